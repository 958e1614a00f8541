"""The raw storage cost the app cannot go below: writing one customer-sized entity to Azure Table.

A create does one entity-group transaction, one queue send and a few point reads; the floor is the
single cheapest of those round trips, made with the same SDK against the same Azurite.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from azure.data.tables import TableClient, TableServiceClient, UpdateMode

from bench.measure import ConcurrentRun, Latencies, run_concurrently, time_each
from bench.sample_customers import till_customer

FLOOR_TABLE = "BenchStorageFloor"


def floor_table(connection_string: str) -> TableClient:
    return TableServiceClient.from_connection_string(connection_string).create_table_if_not_exists(
        FLOOR_TABLE
    )


def customer_sized_entity(partition: str) -> dict[str, Any]:
    """Same columns and about the same size as the channel's customer row."""
    return {
        "PartitionKey": partition,
        "RowKey": f"customer|{uuid.uuid4()}",
        "CustomerId": str(uuid.uuid4()),
        "Profile": json.dumps(till_customer()),
        "SyncStatus": "Pending",
        "CreationMode": "Async",
        "FallbackReason": "",
        "AccountNumber": "",
        "CreatedAt": datetime.now(UTC),
        "RequestFingerprint": uuid.uuid4().hex * 2,
    }


def sequential_table_writes(connection_string: str, *, count: int, warmup: int) -> Latencies:
    table = floor_table(connection_string)
    partition = f"floor-{uuid.uuid4().hex[:8]}"
    return time_each(
        lambda: table.upsert_entity(customer_sized_entity(partition), mode=UpdateMode.REPLACE),
        count,
        warmup=warmup,
    )


def concurrent_table_writes(connection_string: str, *, count: int, threads: int) -> ConcurrentRun:
    """Spread over as many partitions as the create benchmark spreads over channels."""
    table = floor_table(connection_string)
    partitions = [f"floor-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    for partition in partitions:  # warm one pooled connection per partition's first write
        table.upsert_entity(customer_sized_entity(partition), mode=UpdateMode.REPLACE)
    return run_concurrently(
        lambda index: table.upsert_entity(
            customer_sized_entity(partitions[index % len(partitions)]), mode=UpdateMode.REPLACE
        ),
        count,
        threads=threads,
    )

"""The raw storage cost the app cannot go below: writing one customer-sized entity to Azure Table.

A create does one entity-group transaction, one queue send and a few point reads; the floor is the
single cheapest of those round trips, made with the same SDK against the same Azurite.
"""

from __future__ import annotations

import json
import uuid
from contextlib import suppress
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient, UpdateMode
from azure.storage.queue import QueueClient

from bench.measure import ConcurrentRun, Latencies, run_concurrently, time_each
from bench.sample_customers import till_customer

FLOOR_TABLE = "BenchStorageFloor"
FLOOR_QUEUE = "bench-storage-floor"


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


def insert_and_enqueue(connection_string: str, partition: str) -> None:
    """The least an async create can do: insert one customer-sized entity, send one message."""
    floor_table(connection_string).create_entity(customer_sized_entity(partition))
    floor_queue(connection_string).send_message(uuid.uuid4().hex)


@lru_cache(maxsize=4)
def floor_queue(connection_string: str) -> QueueClient:
    queue = QueueClient.from_connection_string(connection_string, FLOOR_QUEUE)
    with suppress(ResourceExistsError):
        queue.create_queue()
    return queue


def sequential_inserts_and_enqueues(connection_string: str, *, count: int, warmup: int) -> Latencies:
    partition = f"floor-{uuid.uuid4().hex[:8]}"
    return time_each(lambda: insert_and_enqueue(connection_string, partition), count, warmup=warmup)


def concurrent_inserts_and_enqueues(connection_string: str, *, count: int, threads: int) -> ConcurrentRun:
    partitions = [f"floor-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    insert_and_enqueue(connection_string, partitions[0])  # warm the clients
    return run_concurrently(
        lambda index: insert_and_enqueue(connection_string, partitions[index % len(partitions)]),
        count,
        threads=threads,
    )

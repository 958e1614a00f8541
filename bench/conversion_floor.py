"""Conversions through the batch against the same storage operations made directly, at the same
concurrency: what the app adds to the fourteen round trips a conversion must make (ten, and four for duplicate
detection under the default policy)."""

from __future__ import annotations

import uuid
from typing import Any

from azure.data.tables import TableServiceClient, UpdateMode

from bench.measure import run_concurrently
from bench.result import BenchmarkResult, Floor, Target
from bench.scale import scaled
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.services.conversion_batch import run_conversion_batch
from tests.support.builders import make_dependencies

CUSTOMERS = 200
TARGET = Target(">=", 0.5)
SEARCH_ROWS = 5


def _seed(tables: dict[str, Any], partition: str, count: int) -> None:
    rows = []
    for item in range(count):
        rows.append({"PartitionKey": partition, "RowKey": f"customer|{item:05d}", "State": "Pending"})
        rows.append({"PartitionKey": partition, "RowKey": f"pending|{item:05d}", "State": "Pending"})
        rows += [{"PartitionKey": partition, "RowKey": f"search|{item:05d}|{n}"} for n in range(SEARCH_ROWS)]
    for start in range(0, len(rows), 100):
        tables["channel"].submit_transaction([("upsert", row) for row in rows[start : start + 100]])


def _direct_conversion(tables: dict[str, Any], partition: str, item: int) -> None:
    channel, index = tables["channel"], tables["index"]
    channel.get_entity(partition, f"customer|{item:05d}")
    list(
        channel.query_entities(
            "PartitionKey eq @pk and RowKey ge @start and RowKey lt @end",
            parameters={"pk": partition, "start": f"pending|{item:05d}", "end": f"pending|{item:05d}}}"},
        )
    )
    key = uuid.uuid4().hex
    tables["hq_keys"].create_entity({"PartitionKey": key, "RowKey": "key", "AccountNumber": key[:10]})
    tables["hq_masters"].create_entity({"PartitionKey": key[:10], "RowKey": "master", "CustomerId": key})
    for kind in ("email", "phone"):  # duplicate detection: the match keys written, then read back
        tables["hq_match"].upsert_entity(
            {"PartitionKey": f"{kind}{key}", "RowKey": key[:10], "CustomerId": key}
        )
    for kind in ("email", "phone"):
        list(tables["hq_match"].query_entities("PartitionKey eq @pk", parameters={"pk": f"{kind}{key}"}))
    for shard in range(4):
        index.upsert_entity({"PartitionKey": f"Synced|{shard}|{key[:2]}", "RowKey": key})
    index.submit_transaction(
        [("upsert", {"PartitionKey": f"Synced|name|{key[0]}", "RowKey": f"{key}|{n}"}) for n in range(2)]
    )
    channel.submit_transaction(
        [
            (
                "update",
                {"PartitionKey": partition, "RowKey": f"customer|{item:05d}", "State": "Synced"},
                {"mode": UpdateMode.MERGE},
            ),
            ("delete", {"PartitionKey": partition, "RowKey": f"pending|{item:05d}"}),
            ("upsert", {"PartitionKey": partition, "RowKey": f"done|{item:05d}", "State": "Synced"}),
            *(
                ("delete", {"PartitionKey": partition, "RowKey": f"search|{item:05d}|{n}"})
                for n in range(SEARCH_ROWS)
            ),
        ]
    )


def measure_conversion_floor(connection_string: str) -> BenchmarkResult:
    count = scaled(CUSTOMERS)
    dependencies = make_dependencies(connection_string)
    workers = dependencies.settings.conversion_batch_workers
    clear_sync_queue(connection_string)
    channel = new_async_channel(dependencies)
    create_pending_customers(dependencies, channel, count, with_address=False)
    summary = run_conversion_batch(dependencies, trigger="bench")
    if summary.converted < count:
        raise RuntimeError(f"the batch converted {summary.converted} of {count}")
    batch_per_second = summary.converted / (summary.duration_ms / 1000.0)

    service = TableServiceClient.from_connection_string(connection_string)
    tables = {
        name: service.create_table_if_not_exists(f"BenchFloor{name.title().replace('_', '')}")
        for name in ("channel", "index", "hq_keys", "hq_masters", "hq_match")
    }
    partition = f"floor-{uuid.uuid4().hex[:8]}"
    _seed(tables, partition, count)
    floor = run_concurrently(lambda item: _direct_conversion(tables, partition, item), count, threads=workers)
    return BenchmarkResult(
        name="conversion through the batch",
        measured=f"`run_conversion_batch` over {count} pending customers ({workers} workers); conversions/s",
        floor=Floor(
            f"the same 14 storage operations per customer made directly, {workers} threads",
            floor.per_second,
            "per s",
        ),
        ratio=batch_per_second / floor.per_second,
        ratio_meaning="batch conversions/s ÷ direct storage conversions/s",
        throughput=batch_per_second,
        throughput_unit="conversions/s",
        target=TARGET,
        value=batch_per_second,
    )

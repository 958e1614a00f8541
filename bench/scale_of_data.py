"""The batch and search cost what they touch, not what is stored: the same work beside 1,000 and
beside 20,000 synced customers. The synced customers are written in bulk with the rows the app
writes (the record, its synced search entries), so seeding takes seconds, not hours of conversions."""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.data.tables import TableServiceClient, UpdateMode

from bench.measure import time_each
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import quick
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.domain.channel import Channel
from shared.domain.customer import CreationMode, CustomerProfile, CustomerRecord, SyncStatus
from shared.domain.search import SYNCED_SCOPE, index_terms, key_term, sort_key
from shared.services.conversion_batch import run_conversion_batch
from shared.services.search import search_customers
from shared.storage.channel_customers import _customer_entity
from shared.storage.search_index import SEARCH_INDEX_TABLE, partition_key, row_key
from shared.storage.tables import CUSTOMERS_TABLE
from tests.support.builders import make_dependencies

SMALL = 1_000
# Azurite keeps tables in memory and slows on every write as they grow: 20,000 synced customers take
# it longer to store than the whole benchmark budget. BENCH_LARGE_SYNCED=20000 runs that step.
LARGE = int(os.environ.get("BENCH_LARGE_SYNCED", "5000"))
QUICK_SMALL, QUICK_LARGE = 200, 2_000
PENDING = 200
SEARCHES = 30
TARGET = Target("<=", 1.2)


def _bulk_synced_customers(
    connection_string: str, channel: Channel, count: int, tag: str
) -> list[CustomerRecord]:
    service = TableServiceClient.from_connection_string(connection_string)
    records = []
    rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for number in range(count):
        body = till_customer()
        profile = CustomerProfile.model_validate(
            {
                "firstName": body["firstName"],
                "lastName": f"{body['lastName']}{tag}",
                "email": f"{tag}.{number}@example.com",
            }
        )
        record = CustomerRecord(
            customer_id=str(uuid.uuid4()),
            channel_id=channel.channel_id,
            profile=profile,
            sync_status=SyncStatus.SYNCED,
            creation_mode=CreationMode.ASYNC,
            account_number=f"B{tag[:4].upper()}{number:09d}",
            created_at=datetime.now(UTC),
            synced_at=datetime.now(UTC),
        )
        records.append(record)
        rows[(CUSTOMERS_TABLE, channel.channel_id)].append(_customer_entity(record))
        for term in index_terms(profile, record.account_number):
            encoded = key_term(term.term)
            partition = partition_key(SYNCED_SCOPE, term.kind, encoded)
            rows[(SEARCH_INDEX_TABLE, partition)].append(
                {
                    "PartitionKey": partition,
                    "RowKey": row_key(encoded, sort_key(record, synced=True), record.customer_id),
                    "ChannelId": channel.channel_id,
                    "CustomerId": record.customer_id,
                }
            )
    for (table_name, _), entities in rows.items():
        table = service.create_table_if_not_exists(table_name)
        for start in range(0, len(entities), 100):
            table.submit_transaction(
                [("upsert", e, {"mode": UpdateMode.REPLACE}) for e in entities[start : start + 100]]
            )
    return records


def _cpu_ms(action: Callable[[], object], count: int) -> float:
    """This process's CPU per call: the app's own work on a search, without Azurite's, which runs
    in a process of its own and evaluates queries over its in-memory tables (it slows as a table
    grows where Azure's keyed ranges would not)."""
    action()
    started = time.process_time()
    for _ in range(count):
        action()
    return (time.process_time() - started) * 1000.0 / count


@dataclass(frozen=True)
class Step:
    batch_ms: float
    email_p50: float
    name_p50: float
    email_cpu: float
    name_cpu: float


def _measure(connection_string: str, synced: int) -> Step:
    """The batch over PENDING pending customers beside `synced` synced ones; then a search by e-mail
    and one by name prefix, their wall p50 and this process's CPU per search."""
    dependencies = make_dependencies(connection_string)
    channel = new_async_channel(dependencies)
    tag = uuid.uuid4().hex[:8]
    records = _bulk_synced_customers(connection_string, channel, synced, tag)
    clear_sync_queue(connection_string)
    create_pending_customers(dependencies, channel, PENDING, with_address=False)
    batch = run_conversion_batch(dependencies, trigger="bench")
    target = records[len(records) // 2]
    prefix = str(target.profile.last_name)[:-2]  # a name prefix that only this customer's family shares

    def by_email() -> object:
        return search_customers(dependencies, channel_id=channel.channel_id, text=str(target.profile.email))

    def by_name() -> object:
        return search_customers(dependencies, channel_id=channel.channel_id, text=prefix)

    return Step(
        batch_ms=float(batch.duration_ms),
        email_p50=time_each(by_email, SEARCHES, warmup=3).p50,
        name_p50=time_each(by_name, SEARCHES, warmup=3).p50,
        email_cpu=_cpu_ms(by_email, SEARCHES),
        name_cpu=_cpu_ms(by_name, SEARCHES),
    )


def _search_result(
    kind: str, large: int, small: int, many: float, few: float, wall: float
) -> BenchmarkResult:
    return BenchmarkResult(
        name=f"search by {kind} among {large:,} vs {small:,}",
        measured=f"{SEARCHES} searches by {kind} for one customer among {large:,} synced ones named alike",
        floor=Floor(f"app CPU per search among {small:,}", few, "ms"),
        ratio=many / few,
        ratio_meaning=f"app CPU per search among many over among few (wall p50 ratio {wall:.2f}, Azurite's)",
        target=TARGET,
        value=many,
    )


def measure_scale_of_data(connection_string: str) -> list[BenchmarkResult]:
    small, large = (QUICK_SMALL, QUICK_LARGE) if quick() else (SMALL, LARGE)
    few, many = _measure(connection_string, small), _measure(connection_string, large)
    return [
        BenchmarkResult(
            name=f"batch beside {large:,} vs {small:,} synced customers",
            measured=f"`run_conversion_batch` over {PENDING} pending customers beside {large:,} synced ones",
            floor=Floor(f"the same beside {small:,} synced", few.batch_ms, "ms"),
            ratio=many.batch_ms / few.batch_ms,
            ratio_meaning="batch time beside many over beside few",
            p50_ms=many.batch_ms,
            target=TARGET,
            value=many.batch_ms,
        ),
        _search_result("e-mail", large, small, many.email_cpu, few.email_cpu, many.email_p50 / few.email_p50),
        _search_result(
            "name prefix", large, small, many.name_cpu, few.name_cpu, many.name_p50 / few.name_p50
        ),
    ]

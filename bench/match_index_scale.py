"""Duplicate detection costs a few reads by key, whatever HQ holds (issue: one person, one HQ
customer). The conversion batch over the same pending customers, beside a match index of 1,000 and
of 20,000 HQ customers; a tenth of the pending customers are returning shoppers whose e-mail an
indexed customer has, so detection reads partitions that hold something and records candidates.

The index rows are written as the app writes them (HMAC keys, one partition each) but in bulk, one
request at a time: Azurite serves single upserts in about a millisecond however many rows it holds.
"""

from __future__ import annotations

import gc
import time
import uuid

from azure.data.tables import TableServiceClient, UpdateMode

from bench.result import BenchmarkResult, Floor, Target
from bench.scale import quick
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.domain.duplicates import match_keys
from shared.domain.profile import CustomerProfile
from shared.services.conversion_batch import run_conversion_batch
from shared.storage.duplicates import MATCH_KEYS_TABLE
from shared.storage.headquarters import master_entity
from shared.storage.hq_events import MASTER_TABLE
from shared.storage.ports import HqCustomer
from tests.support.builders import make_dependencies
from tests.support.faults import StorageFaults

SMALL, LARGE = 1_000, 20_000
QUICK_SMALL, QUICK_LARGE = 200, 2_000
PENDING = 200
RETURNING = 20
TARGET = Target("<=", 1.2)


def _seed_index(connection_string: str, count: int, *, secret: bytes, channel_id: str) -> list[str]:
    """`count` HQ customers in the match index; answers the e-mails of the ones returning shoppers
    match (whose masters are written too, as detection re-reads both masters)."""
    service = TableServiceClient.from_connection_string(connection_string, retry_total=10)
    keys, masters = (service.create_table_if_not_exists(name) for name in (MATCH_KEYS_TABLE, MASTER_TABLE))
    tag = uuid.uuid4().hex[:6].upper()
    every = max(count // RETURNING, 1)
    returning: list[str] = []
    for number in range(count):
        # "A" sorts before the app's "C" accounts: the indexed customers are the older ones.
        account = f"A{tag}{number:09d}"
        profile = CustomerProfile.model_validate(
            {"firstName": "Indexed", "lastName": f"Customer{tag}", "email": f"hq.{tag}.{number}@example.com"}
        )
        for key in match_keys(profile):
            keys.upsert_entity(
                {
                    "PartitionKey": key.digest(secret),
                    "RowKey": account,
                    "CustomerId": str(uuid.uuid4()),
                    "MatchedOn": key.matched_on.value,
                },
                mode=UpdateMode.REPLACE,
            )
        if number % every == 0 and len(returning) < RETURNING:
            masters.upsert_entity(
                master_entity(HqCustomer(account, str(uuid.uuid4()), channel_id, profile)),
                mode=UpdateMode.REPLACE,
            )
            returning.append(str(profile.email))
    return returning


def _batch_beside(connection_string: str, indexed: int) -> dict[str, float]:
    channel_calls, hq_calls = StorageFaults(), StorageFaults()
    dependencies = make_dependencies(
        connection_string, channel_transport=channel_calls, hq_transport=hq_calls
    )
    channel = new_async_channel(dependencies)
    emails = _seed_index(
        connection_string,
        indexed,
        secret=dependencies.settings.match_index_secret.encode(),
        channel_id=channel.channel_id,
    )
    clear_sync_queue(connection_string)
    create_pending_customers(dependencies, channel, PENDING - RETURNING, with_address=False)
    returning = set(
        create_pending_customers(
            dependencies, channel, RETURNING, with_address=False, email_of=lambda n: emails[n % len(emails)]
        )
    )
    clear_sync_queue(connection_string)
    gc.collect()
    before_trips = len(channel_calls.sent) + len(hq_calls.sent)
    before_cpu = time.process_time()
    summary = run_conversion_batch(dependencies, trigger="bench")
    cpu_ms = (time.process_time() - before_cpu) * 1000.0
    trips = len(channel_calls.sent) + len(hq_calls.sent) - before_trips
    found = sum(1 for candidate in dependencies.duplicates.listed() if candidate.customer_id in returning)
    return {
        "cpu_ms": cpu_ms,
        "wall_ms": float(summary.duration_ms),
        "round_trips": float(trips),
        "converted": float(summary.converted),
        "duplicates": float(found),
    }


def measure_match_index_scale(connection_string: str) -> BenchmarkResult:
    small, large = (QUICK_SMALL, QUICK_LARGE) if quick() else (SMALL, LARGE)
    few = _batch_beside(connection_string, small)
    many = _batch_beside(connection_string, large)
    return BenchmarkResult(
        name=f"duplicate detection beside {large:,} vs {small:,} HQ customers",
        measured=(
            f"`run_conversion_batch` over {PENDING} pending customers ({RETURNING} returning shoppers "
            f"matching an indexed one) beside a match index of {large:,} HQ customers; app CPU"
        ),
        floor=Floor(f"app CPU of the same batch beside {small:,}", few["cpu_ms"], "ms"),
        ratio=many["cpu_ms"] / few["cpu_ms"],
        ratio_meaning=(
            f"app CPU beside many over beside few; round trips {many['round_trips']:.0f} vs "
            f"{few['round_trips']:.0f} ({many['round_trips'] / PENDING:.1f} per conversion); duplicates "
            f"found {many['duplicates']:.0f} vs {few['duplicates']:.0f} of {RETURNING}; wall ratio "
            f"{many['wall_ms'] / few['wall_ms']:.2f}, Azurite's"
        ),
        p50_ms=many["wall_ms"],
        target=TARGET,
        value=many["cpu_ms"],
        details={f"{name}_many": value for name, value in many.items()}
        | {f"{name}_few": value for name, value in few.items()},
    )

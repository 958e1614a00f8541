"""How long after a till's create a customer shows as Synced, through the real queue path."""

from __future__ import annotations

import time
from functools import partial

from bench.measure import Latencies, timed_ms
from bench.result import BenchmarkResult, Floor
from bench.sample_customers import till_customer
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.services.conversion import convert_async_customer
from tests.support.api import ApiClient
from tests.support.builders import make_dependencies
from tests.support.local_host import running_host

CUSTOMERS = 30
WARMUP = 3
POLL_SECONDS = 0.05
GIVE_UP_SECONDS = 30.0


def in_process_conversions(connection_string: str) -> Latencies:
    """The conversion work itself, called directly: what the queue path adds on top is delivery."""
    dependencies = make_dependencies(connection_string)
    channel = new_async_channel(dependencies)
    pending = create_pending_customers(dependencies, channel, CUSTOMERS + WARMUP, with_address=True)
    samples = [
        timed_ms(
            partial(
                convert_async_customer, dependencies, channel_id=channel.channel_id, customer_id=customer_id
            )
        )
        for customer_id in pending
    ]
    return Latencies(tuple(samples[WARMUP:]))


def create_then_wait_until_synced(api: ApiClient, channel_id: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    created = api.create_customer(channel_id, headers, till_customer())
    created.raise_for_status()
    customer_id = created.json()["customerId"]
    while time.perf_counter() - started < GIVE_UP_SECONDS:
        if api.customer(channel_id, headers, customer_id).json()["syncStatus"] == "Synced":
            return (time.perf_counter() - started) * 1000.0
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"customer {customer_id} was not synced within {GIVE_UP_SECONDS} s")


def measure_time_to_synced(connection_string: str) -> BenchmarkResult:
    conversions = in_process_conversions(connection_string)
    clear_sync_queue(connection_string)  # earlier benchmarks' messages would be delivered first
    with running_host(connection_string, queue_trigger=True) as api:
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)
        for _ in range(WARMUP):
            create_then_wait_until_synced(api, channel_id, headers)
        synced = Latencies(
            tuple(create_then_wait_until_synced(api, channel_id, headers) for _ in range(CUSTOMERS))
        )
    return BenchmarkResult(
        name="create to Synced via the queue",
        measured=(
            f"{CUSTOMERS} customers, one at a time: `POST` then `GET` every {POLL_SECONDS * 1000:.0f} ms "
            "until `syncStatus` is Synced; queue `maxPollingInterval` 0.5 s"
        ),
        floor=Floor("p50 of `convert_async_customer` called in-process", conversions.p50, "ms"),
        ratio=synced.p50 / conversions.p50,
        ratio_meaning="create-to-Synced p50 ÷ in-process conversion p50",
        p50_ms=synced.p50,
        p95_ms=synced.p95,
        details={"conversion_p95_ms": conversions.p95, "customers": CUSTOMERS},
    )

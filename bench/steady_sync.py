"""Create-to-Synced under a steady load: tills create 20 customers a second through the queue path,
as on a busy day; each customer's lag is its record's syncedAt minus its createdAt."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.measure import Latencies, percentile, sync_lags_ms
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.seeding import clear_sync_queue
from bench.time_to_synced import in_process_conversions
from tests.support.api import wait_for
from tests.support.local_host import running_host

RATE_PER_SECOND = 20
SECONDS = 15
P50_TARGET = Target("<=", 1000.0, of_value=True)
P95_TARGET = Target("<=", 3000.0, of_value=True)


def measure_steady_sync(connection_string: str) -> list[BenchmarkResult]:
    conversions = in_process_conversions(connection_string)
    clear_sync_queue(connection_string)
    count = scaled(RATE_PER_SECOND * SECONDS)
    with running_host(connection_string, queue_trigger=True) as api:
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)
        created: list[str] = []
        lock = threading.Lock()

        def create(_: int) -> None:
            response = api.create_customer(channel_id, headers, till_customer())
            response.raise_for_status()
            with lock:
                created.append(response.json()["customerId"])

        with ThreadPoolExecutor(max_workers=16, thread_name_prefix="bench-steady") as pool:
            started = time.perf_counter()
            for number in range(count):  # one create every 50 ms, whatever the previous ones do
                pool.submit(create, number)
                time.sleep(max(0.0, started + (number + 1) / RATE_PER_SECOND - time.perf_counter()))

        def lags() -> list[float] | None:
            customers = [api.customer(channel_id, headers, customer_id).json() for customer_id in created]
            return sync_lags_ms(customers)

        measured = Latencies(tuple(wait_for(lags, timeout=120, interval=1.0)))
    results = []
    for label, fraction, target in (("p50", 0.50, P50_TARGET), ("p95", 0.95, P95_TARGET)):
        value = percentile(measured.samples_ms, fraction)
        results.append(
            BenchmarkResult(
                name=f"create to Synced at {RATE_PER_SECOND} creates/s, {label}",
                measured=(
                    f"{count} creates at a steady {RATE_PER_SECOND}/s through the host, queue function "
                    "on; each customer's `syncedAt` minus `createdAt`"
                ),
                floor=Floor("p50 of `convert_async_customer` called in-process", conversions.p50, "ms"),
                ratio=value / conversions.p50,
                ratio_meaning=f"{label} lag ÷ in-process conversion p50; the target is on the lag",
                p50_ms=measured.p50,
                p95_ms=measured.p95,
                target=target,
                value=value,
            )
        )
    return results

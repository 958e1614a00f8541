"""How many creates per second the host serves to 32 tills at once, against inserts plus queue
messages made from the same number of threads."""

from __future__ import annotations

from bench.measure import ConcurrentRun, run_concurrently
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.storage_floor import concurrent_inserts_and_enqueues
from tests.support.local_host import running_host

CREATES = 320
CLIENT_THREADS = 32
CHANNELS = 4
TARGET = Target(">=", 0.45)


def _creates(connection_string: str, *, queue_on: bool) -> ConcurrentRun:
    with running_host(connection_string, queue_trigger=queue_on, connections=CLIENT_THREADS) as api:
        channels = [api.new_channel(asyncCustomerCreation=True) for _ in range(CHANNELS)]
        for channel_id, headers in channels:  # one warm connection per channel is plenty
            api.create_customer(channel_id, headers, till_customer()).raise_for_status()

        def create(index: int) -> None:
            channel_id, headers = channels[index % CHANNELS]
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        return run_concurrently(create, scaled(CREATES), threads=CLIENT_THREADS)


def measure_create_throughput(connection_string: str) -> list[BenchmarkResult]:
    floor = concurrent_inserts_and_enqueues(connection_string, count=scaled(CREATES), threads=CLIENT_THREADS)
    results = []
    for queue_on in (False, True):
        creates = _creates(connection_string, queue_on=queue_on)
        results.append(
            BenchmarkResult(
                name=f"create throughput, {CLIENT_THREADS} clients, queue function {_on_off(queue_on)}",
                measured=(
                    f"{scaled(CREATES)} creates from {CLIENT_THREADS} client threads over {CHANNELS} async "
                    "channels; creates per second of wall time"
                ),
                floor=Floor(
                    f"inserts plus queue messages from {CLIENT_THREADS} threads over {CHANNELS} partitions",
                    floor.per_second,
                    "per s",
                ),
                ratio=creates.per_second / floor.per_second,
                ratio_meaning="creates/s ÷ insert+enqueue/s",
                p50_ms=creates.latencies.p50,
                p95_ms=creates.latencies.p95,
                throughput=creates.per_second,
                throughput_unit="creates/s",
                target=TARGET,
                value=creates.per_second,
            )
        )
    return results


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"

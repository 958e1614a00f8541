"""How many creates per second the host serves to 32 tills at once, against inserts plus queue
messages made from the same number of threads."""

from __future__ import annotations

import function_app
from bench.measure import ConcurrentRun, CpuCost, machine_cpu_of, run_concurrently
from bench.placement import QueuePlacement, queue_instance
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.storage_floor import concurrent_inserts_and_enqueues
from tests.support.api import wait_for
from tests.support.local_host import running_host

CREATES = 320
CLIENT_THREADS = 32
CHANNELS = 4
TARGET = Target(">=", 0.45)


def _creates(connection_string: str, *, placement: QueuePlacement) -> tuple[ConcurrentRun, CpuCost]:
    """The run, and the machine's CPU per customer until every conversion it caused is done."""
    with (
        queue_instance(connection_string, placement),
        running_host(
            connection_string, queue_trigger=placement.in_request_host, connections=CLIENT_THREADS
        ) as api,
    ):
        channels = [api.new_channel(asyncCustomerCreation=True) for _ in range(CHANNELS)]
        for channel_id, headers in channels:  # one warm connection per channel is plenty
            api.create_customer(channel_id, headers, till_customer()).raise_for_status()

        def create(index: int) -> None:
            channel_id, headers = channels[index % CHANNELS]
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        def run_and_convert() -> ConcurrentRun:
            run = run_concurrently(create, scaled(CREATES), threads=CLIENT_THREADS)
            if placement is not QueuePlacement.OFF:
                wait_for(lambda: _all_converted(connection_string, channels), timeout=300, interval=0.5)
            return run

        return machine_cpu_of(run_and_convert, scaled(CREATES))


def _all_converted(connection_string: str, channels: list[tuple[str, dict[str, str]]]) -> bool | None:
    customers = function_app.dependencies().customers
    return all(not customers.pending_operations(channel_id) for channel_id, _ in channels) or None


def measure_create_throughput(connection_string: str) -> list[BenchmarkResult]:
    floor, floor_cpu = machine_cpu_of(
        lambda: concurrent_inserts_and_enqueues(
            connection_string, count=scaled(CREATES), threads=CLIENT_THREADS
        ),
        scaled(CREATES),
    )
    results = []
    for placement in QueuePlacement:
        creates, cpu = _creates(connection_string, placement=placement)
        results.append(
            BenchmarkResult(
                name=f"create throughput, {CLIENT_THREADS} clients, queue function {placement.value}",
                measured=(
                    f"{scaled(CREATES)} creates from {CLIENT_THREADS} client threads over {CHANNELS} async "
                    f"channels; creates per second of wall time{placement.described}"
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
                details={
                    # Every process of the machine, conversions included until the last is done.
                    "machine_cpu_ms_per_customer": round(cpu.ms_per_unit, 2),
                    "machine_cpu_ms_per_floor_operation": round(floor_cpu.ms_per_unit, 2),
                    "cpu_ceiling_per_second": round(cpu.ceiling_per_second, 1),
                    "cpu_ceiling_ratio": round(cpu.ceiling_per_second / floor.per_second, 3),
                },
            )
        )
    return results

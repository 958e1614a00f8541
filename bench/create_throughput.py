"""How many creates per second the host serves to many tills at once, against raw table writes
made at the same concurrency."""

from __future__ import annotations

from bench.measure import run_concurrently
from bench.result import BenchmarkResult, Floor
from bench.sample_customers import till_customer
from bench.storage_floor import concurrent_table_writes
from tests.support.local_host import running_host

CREATES = 200
CLIENT_THREADS = 16
CHANNELS = 4


def measure_create_throughput(connection_string: str) -> BenchmarkResult:
    with running_host(connection_string, queue_trigger=False, connections=CLIENT_THREADS) as api:
        channels = [api.new_channel(asyncCustomerCreation=True) for _ in range(CHANNELS)]
        for channel_id, headers in channels:  # one warm connection per channel is plenty
            api.create_customer(channel_id, headers, till_customer()).raise_for_status()

        def create(index: int) -> None:
            channel_id, headers = channels[index % CHANNELS]
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        creates = run_concurrently(create, CREATES, threads=CLIENT_THREADS)
        writes = concurrent_table_writes(connection_string, count=CREATES, threads=CLIENT_THREADS)
    return BenchmarkResult(
        name="create throughput, 16 clients",
        measured=(
            f"{CREATES} creates from {CLIENT_THREADS} client threads over {CHANNELS} async channels; "
            "creates per second of wall time"
        ),
        floor=Floor(
            f"{CREATES} `upsert_entity` from {CLIENT_THREADS} threads over {CHANNELS} partitions",
            writes.per_second,
            "writes/s",
        ),
        ratio=writes.per_second / creates.per_second,
        ratio_meaning="table writes/s ÷ creates/s: raw writes' worth of capacity one create costs",
        p50_ms=creates.latencies.p50,
        p95_ms=creates.latencies.p95,
        throughput=creates.per_second,
        throughput_unit="creates/s",
        details={"table_write_p50_ms_under_load": writes.latencies.p50},
    )

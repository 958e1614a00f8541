"""How long a till waits for `POST /customers` in an async channel, against one raw table write."""

from __future__ import annotations

from bench.measure import time_each
from bench.result import BenchmarkResult, Floor
from bench.sample_customers import till_customer
from bench.storage_floor import sequential_table_writes
from tests.support.local_host import running_host

REQUESTS = 300
WARMUP = 30


def measure_create_latency(connection_string: str) -> BenchmarkResult:
    with running_host(connection_string, queue_trigger=False) as api:
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)

        def create() -> None:
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        creates = time_each(create, REQUESTS, warmup=WARMUP)
        writes = sequential_table_writes(connection_string, count=REQUESTS, warmup=WARMUP)
    return BenchmarkResult(
        name="create latency over HTTP",
        measured=(
            f"{REQUESTS} sequential `POST /api/channels/{{id}}/customers` (async channel, one address) "
            f"on one keep-alive connection after {WARMUP} warm-up requests"
        ),
        floor=Floor("p50 of one `upsert_entity` of a customer-sized entity", writes.p50, "ms"),
        ratio=creates.p50 / writes.p50,
        ratio_meaning="create p50 ÷ table-write p50",
        p50_ms=creates.p50,
        p95_ms=creates.p95,
        throughput=creates.per_second,
        throughput_unit="creates/s (one client)",
        details={"table_write_p95_ms": writes.p95, "requests": REQUESTS},
    )

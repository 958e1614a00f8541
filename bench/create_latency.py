"""How long a till waits for `POST /customers` in an async channel, against the least such a create
can do on storage: insert one entity and send one message."""

from __future__ import annotations

from bench.measure import Latencies, time_each
from bench.placement import QueuePlacement, queue_instance
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.storage_floor import sequential_inserts_and_enqueues
from tests.support.local_host import running_host

REQUESTS = 300
WARMUP = 30
TARGET = Target("<=", 2.5)


def _creates(connection_string: str, *, placement: QueuePlacement) -> Latencies:
    with (
        queue_instance(connection_string, placement),
        running_host(connection_string, queue_trigger=placement.in_request_host) as api,
    ):
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)

        def create() -> None:
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        return time_each(create, scaled(REQUESTS), warmup=scaled(WARMUP))


def measure_create_latency(connection_string: str) -> list[BenchmarkResult]:
    floor = sequential_inserts_and_enqueues(connection_string, count=scaled(REQUESTS), warmup=scaled(WARMUP))
    results = []
    for placement in QueuePlacement:
        creates = _creates(connection_string, placement=placement)
        results.append(
            BenchmarkResult(
                name=f"create latency, 1 client, queue function {placement.value}",
                measured=(
                    f"{scaled(REQUESTS)} sequential `POST /api/channels/{{id}}/customers` "
                    "(async channel, one address) on one keep-alive connection" + placement.described
                ),
                floor=Floor("p50 of one entity insert plus one queue message", floor.p50, "ms"),
                ratio=creates.p50 / floor.p50,
                ratio_meaning="create p50 ÷ insert+enqueue p50",
                p50_ms=creates.p50,
                p95_ms=creates.p95,
                throughput=creates.per_second,
                throughput_unit="creates/s (one client)",
                target=TARGET,
                value=creates.p50,
            )
        )
    return results

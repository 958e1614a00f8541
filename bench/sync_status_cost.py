"""`GET /api/sync/status` is anonymous, so its cost must not grow with the backlog, and anonymous
pollers must not slow the tills: its p50 beside 2,000 pending customers against beside none, and a
till's create p50 while 8 clients poll it against with nobody polling."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bench.measure import Latencies, time_each
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.services.conversion_batch import pending_operations
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import make_dependencies
from tests.support.local_host import running_host

BACKLOG = 2_000
READS = 200
CREATES = 200
POLLERS = 8
STATUS_TARGET = Target("<=", 1.2)
POLLING_TARGET = Target("<=", 1.2)


def _status_reads(api: ApiClient, *, as_ops: bool = False) -> Latencies:
    headers = ADMIN if as_ops else {}

    def read() -> None:
        response = api.http.get("/api/sync/status", headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"sync/status answered {response.status_code}: {response.text}")

    return time_each(read, scaled(READS), warmup=10)


def _creates(api: ApiClient, channel_id: str, headers: dict[str, str]) -> Latencies:
    def create() -> None:
        response = api.create_customer(channel_id, headers, till_customer())
        if response.status_code != 201:
            raise RuntimeError(f"create answered {response.status_code}: {response.text}")

    return time_each(create, scaled(CREATES), warmup=20)


@contextmanager
def _anonymous_pollers(api: ApiClient, count: int) -> Iterator[list[int]]:
    """`count` clients asking for the status back to back, as a dashboard left on a loop would."""
    stop = threading.Event()
    polled = [0] * count

    def poll(index: int) -> None:
        while not stop.is_set():
            api.http.get("/api/sync/status")
            polled[index] += 1

    threads = [threading.Thread(target=poll, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield polled
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def measure_sync_status_cost(connection_string: str) -> list[BenchmarkResult]:
    dependencies = make_dependencies(connection_string)
    with running_host(connection_string, queue_trigger=False) as api:
        before = len(pending_operations(dependencies))
        at_start = _status_reads(api)
        create_pending_customers(
            dependencies, new_async_channel(dependencies), scaled(BACKLOG), with_address=False
        )
        clear_sync_queue(connection_string)
        backlog = len(pending_operations(dependencies))
        beside_backlog = _status_reads(api)
        read_now = _status_reads(api, as_ops=True)
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)
        alone = _creates(api, channel_id, headers)
        with _anonymous_pollers(api, POLLERS) as polled:
            polled_creates = _creates(api, channel_id, headers)
        polls = sum(polled)
    clear_sync_queue(connection_string)
    return [
        BenchmarkResult(
            name=f"sync status beside {scaled(BACKLOG):,} pending",
            measured=(
                f"{scaled(READS)} sequential anonymous `GET /api/sync/status` beside {backlog:,} pending "
                "operations; the same read with the admin key (read anew each time): "
                f"p50 {read_now.p50:.1f} ms"
            ),
            floor=Floor(f"the same reads beside {before:,} pending, p50", at_start.p50, "ms"),
            ratio=beside_backlog.p50 / at_start.p50,
            ratio_meaning="p50 beside the backlog ÷ p50 beside none",
            p50_ms=beside_backlog.p50,
            p95_ms=beside_backlog.p95,
            target=STATUS_TARGET,
            details={"backlog": backlog, "freshReadP50Ms": read_now.p50},
        ),
        BenchmarkResult(
            name=f"create while {POLLERS} clients poll sync status",
            measured=(
                f"{scaled(CREATES)} sequential creates while {POLLERS} anonymous clients poll "
                f"`GET /api/sync/status` back to back ({polls:,} polls) beside {backlog:,} pending"
            ),
            floor=Floor("the same creates with nobody polling, p50", alone.p50, "ms"),
            ratio=polled_creates.p50 / alone.p50,
            ratio_meaning="create p50 while polled ÷ create p50 alone",
            p50_ms=polled_creates.p50,
            p95_ms=polled_creates.p95,
            target=POLLING_TARGET,
            details={"polls": polls},
        ),
    ]

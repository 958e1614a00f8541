"""`GET /api/sync/status` is anonymous, so its cost must not grow with the backlog, and anonymous
pollers must not slow the tills: its p50 beside 2,000 pending customers against beside none, and a
till's create p50 while 8 clients poll it against with nobody polling."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

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
CREATES = 200  # in all, over the rounds
ROUNDS = 4
POLLERS = 8
DASHBOARD_PAUSE = 0.1  # seconds between two polls of one client: a dashboard refreshing ten times a second
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

    return time_each(create, scaled(CREATES) // ROUNDS, warmup=5)


def _poll(base_url: str, threads: int, pause: float, stop: Any, polled: Any) -> None:
    """A process of its own, as remote pollers are: `threads` clients, each pausing `pause` seconds
    between two polls (0: back to back)."""

    def loop() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while not stop.is_set():
                client.get("/api/sync/status")
                with polled.get_lock():
                    polled.value += 1
                stop.wait(pause)

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


@contextmanager
def _anonymous_pollers(api: ApiClient, count: int, *, pause: float) -> Iterator[Any]:
    """`count` clients polling the status from another process: pollers are other machines, so
    their own CPU must not be the host's."""
    context = multiprocessing.get_context("spawn")
    stop, polled = context.Event(), context.Value("i", 0)
    process = context.Process(target=_poll, args=(api.base_url, count, pause, stop, polled), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 30
        while polled.value < count * 2 and time.monotonic() < deadline:  # all of them polling
            time.sleep(0.05)
        yield polled
    finally:
        stop.set()
        process.join(timeout=30)


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
        # Rounds alternate (alone, polled, flooded, ...): Azurite slows as the channel grows, and
        # alternating spreads that drift over all three.
        samples: dict[float | None, list[float]] = {None: [], DASHBOARD_PAUSE: [], 0.0: []}
        polls: dict[float, float] = {DASHBOARD_PAUSE: 0.0, 0.0: 0.0}
        for _ in range(ROUNDS):
            samples[None] += _creates(api, channel_id, headers).samples_ms
            for pause in (DASHBOARD_PAUSE, 0.0):
                with _anonymous_pollers(api, POLLERS, pause=pause) as polled:
                    first, started = polled.value, time.monotonic()
                    samples[pause] += _creates(api, channel_id, headers).samples_ms
                    polls[pause] += (polled.value - first) / (time.monotonic() - started) / ROUNDS
        alone = Latencies(tuple(samples[None]))
        polled_creates = {pause: Latencies(tuple(samples[pause])) for pause in polls}
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
                f"`GET /api/sync/status` from another process, each every {DASHBOARD_PAUSE:g} s "
                f"({polls[DASHBOARD_PAUSE]:.0f} polls/s), beside {backlog:,} pending. The same clients "
                f"polling back to back ({polls[0.0]:.0f} polls/s, a flood for the rate limiting in front "
                f"of the app): create p50 {polled_creates[0.0].p50:.1f} ms, ratio "
                f"{polled_creates[0.0].p50 / alone.p50:.2f}"
            ),
            floor=Floor("the same creates with nobody polling, p50", alone.p50, "ms"),
            ratio=polled_creates[DASHBOARD_PAUSE].p50 / alone.p50,
            ratio_meaning="create p50 while polled ÷ create p50 alone",
            p50_ms=polled_creates[DASHBOARD_PAUSE].p50,
            p95_ms=polled_creates[DASHBOARD_PAUSE].p95,
            target=POLLING_TARGET,
            details={"pollsPerSecond": polls[DASHBOARD_PAUSE], "floodPollsPerSecond": polls[0.0]},
        ),
    ]

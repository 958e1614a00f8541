"""Recording a read in the access log must not slow the read: a till's `GET /customers/{ref}` p50
with the log written (by background writers) against with its writes dropped, in alternating rounds."""

from __future__ import annotations

from datetime import datetime

import function_app
from bench.measure import Latencies, time_each
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from shared.domain.access_log import AccessEntry
from shared.services.access_recorder import AccessRecorder
from tests.support.local_host import running_host

READS = 300
ROUNDS = 4
TARGET = Target("<=", 1.15)


class DroppedAccessLog:
    """An access log that writes nothing: the floor's reads cost what they cost without the log."""

    def record(self, entries: list[AccessEntry]) -> None:
        return None

    def for_key(
        self, channel_id: str, key_id: str, *, after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]:
        return []

    def for_person(
        self, *, customer_ids: list[str], account_numbers: list[str], after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]:
        return []

    def prune(self, *, before: datetime, limit: int) -> int:
        return 0

    def remove_person(self, person: str) -> int:
        return 0


def measure_access_log_cost(connection_string: str) -> BenchmarkResult:
    with running_host(connection_string, queue_trigger=False) as api:
        dependencies = function_app.dependencies()
        recording = dependencies.access_recorder
        dropping = AccessRecorder(DroppedAccessLog())
        channel_id, headers = api.new_channel()
        customer_id = api.create_customer(channel_id, headers, till_customer()).json()["customerId"]

        def read() -> None:
            response = api.customer(channel_id, headers, customer_id)
            if response.status_code != 200:
                raise RuntimeError(f"read answered {response.status_code}: {response.text}")

        samples: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(ROUNDS):
            for recorded in (False, True):
                dependencies.access_recorder = recording if recorded else dropping
                samples[recorded] += time_each(read, scaled(READS) // ROUNDS, warmup=5).samples_ms
                recording.flush()
        dependencies.access_recorder = recording
    with_log, without = Latencies(tuple(samples[True])), Latencies(tuple(samples[False]))
    return BenchmarkResult(
        name="customer read with the access log",
        measured=(
            f"{scaled(READS)} sequential `GET /api/channels/{{id}}/customers/{{guid}}` with a channel key, "
            "each recorded in the access log by the instance's background writers; rounds alternate with "
            "the same reads whose entries are dropped"
        ),
        floor=Floor("the same reads with the entries dropped, p50", without.p50, "ms"),
        ratio=with_log.p50 / without.p50,
        ratio_meaning="read p50 recorded ÷ read p50 unrecorded",
        p50_ms=with_log.p50,
        p95_ms=with_log.p95,
        target=TARGET,
    )

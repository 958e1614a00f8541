"""The sync status snapshot: one reading per instance per interval, however many callers ask."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.services.snapshot import Snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_callers_within_the_interval_share_one_reading() -> None:
    clock = Clock()
    snapshot: Snapshot[int] = Snapshot(10.0, clock=clock)
    readings = iter(range(1, 100))
    assert [snapshot.get(lambda: next(readings)) for _ in range(5)] == [1] * 5
    clock.now += 9.9
    assert snapshot.get(lambda: next(readings)) == 1
    clock.now += 0.2
    assert snapshot.get(lambda: next(readings)) == 2


def test_while_one_caller_reads_again_the_others_get_the_last_reading_at_once() -> None:
    clock = Clock()
    snapshot: Snapshot[str] = Snapshot(10.0, clock=clock)
    snapshot.get(lambda: "old")
    clock.now += 11
    reading, release = threading.Event(), threading.Event()

    def slow() -> str:
        reading.set()
        release.wait(5)
        return "new"

    with ThreadPoolExecutor(max_workers=1) as pool:
        refreshing = pool.submit(snapshot.get, slow)
        assert reading.wait(5)
        others = [snapshot.get(lambda: pytest.fail("a second reading at once")) for _ in range(20)]
        release.set()
        assert refreshing.result(5) == "new"
    assert others == ["old"] * 20
    assert snapshot.get(lambda: "never") == "new"


def test_the_first_callers_wait_for_one_reading() -> None:
    snapshot: Snapshot[int] = Snapshot(10.0)
    calls = []
    gate = threading.Barrier(8)

    def read() -> int:
        calls.append(1)
        return 42

    def ask() -> int:
        gate.wait(5)
        return snapshot.get(read)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))
    assert answers == [42] * 8 and len(calls) == 1


def test_forget_makes_the_next_caller_read_again_and_a_failed_reading_keeps_the_last() -> None:
    snapshot: Snapshot[int] = Snapshot(10.0, clock=Clock())
    snapshot.get(lambda: 1)
    snapshot.forget()

    def broken() -> int:
        raise ConnectionError("storage down")

    with pytest.raises(ConnectionError):
        snapshot.get(broken)
    assert snapshot.get(lambda: 2) == 2
    assert snapshot.get(lambda: 3) == 2

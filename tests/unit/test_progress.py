"""Progress lines of long work: n of m, the rate and what is left, every tenth or every 10 s."""

from __future__ import annotations

from shared.domain.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_reports_each_tenth_with_rate_and_estimate() -> None:
    clock = Clock()
    progress = Progress(100, clock=clock)
    lines = []
    for _ in range(100):
        clock.now += 0.5
        line = progress.advance()
        if line:
            lines.append(line)
    assert len(lines) == 10
    assert lines[0] == "10 of 100 (2.0/s, about 45 s left)"
    assert lines[-1] == "100 of 100 (2.0/s, done)"


def test_slow_work_reports_every_ten_seconds_between_tenths() -> None:
    clock = Clock()
    progress = Progress(1000, clock=clock)
    clock.now += 11
    assert progress.advance() == "1 of 1000 (0.1/s, about 10989 s left)"
    clock.now += 1
    assert progress.advance() is None

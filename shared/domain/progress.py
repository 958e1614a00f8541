"""Progress of long work (the conversion batch, an offline upload) as ops read it in the logs:
n of m, the rate so far and an estimate of what is left."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

REPORT_EVERY_SECONDS = 10.0
REPORT_EVERY_FRACTION = 0.1


@dataclass
class Progress:
    total: int
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    started: float = field(init=False)
    _last_report: float = field(init=False)
    _last_fraction: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.started = self._last_report = self.clock()

    def advance(self) -> str | None:
        """Counts one item; answers a line to log when a tenth more is done or 10 s went by."""
        self.done += 1
        now = self.clock()
        fraction = self.done / self.total if self.total else 1.0
        if (
            self.done < self.total
            and fraction - self._last_fraction < REPORT_EVERY_FRACTION
            and now - self._last_report < REPORT_EVERY_SECONDS
        ):
            return None
        self._last_report, self._last_fraction = now, fraction
        return self.describe(now)

    def describe(self, now: float | None = None) -> str:
        elapsed = max((now if now is not None else self.clock()) - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        estimate = "done" if self.done >= self.total else f"about {left:.0f} s left"
        return f"{self.done} of {self.total} ({rate:.1f}/s, {estimate})"

"""A value this instance computes at most once per interval, however many callers ask for it.

For a read anyone may make (the sync status) whose cost grows with the data: callers get the last
value while it is fresh; the one caller that finds it stale computes the next while the others still
get the last one, so at most one computation runs per instance at a time and callers never queue
behind it (only the very first callers, before any value exists, wait for one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Snapshot(Generic[T]):
    def __init__(self, max_age_seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age_seconds
        self._clock = clock
        self._state = threading.Lock()  # guards the fields below; never held while computing
        self._computing = threading.Lock()  # held by the one caller that computes
        self._value: T | None = None
        self._taken = 0.0

    def get(self, compute: Callable[[], T]) -> T:
        with self._state:
            value, fresh = self._value, self._is_fresh()
        if value is not None and fresh:
            return value
        if value is not None and not self._computing.acquire(blocking=False):
            return value  # another caller is computing the next one
        if value is None:
            self._computing.acquire()  # nothing to serve yet: wait for the first computation
            with self._state:
                if self._value is not None and self._is_fresh():
                    self._computing.release()
                    return self._value
        try:
            computed = compute()
            with self._state:
                self._value, self._taken = computed, self._clock()
            return computed
        finally:
            self._computing.release()

    def forget(self) -> None:
        """The next caller computes anew: what this instance just did must show at once."""
        with self._state:
            self._taken = float("-inf")

    def _is_fresh(self) -> bool:
        return self._clock() - self._taken < self._max_age

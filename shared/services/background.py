"""Work a request hands over and does not wait for: gathered, and done by one background thread.

Items are handed in with `submit` and given to `handle` together every `interval` seconds (or at
once on `flush`), so a busy instance does a few batched writes a second instead of one per request.
A batch that fails is logged (counts only) and dropped: whoever hands work here keeps a durable
trace of it elsewhere, or accepts that an instance that stops loses its last interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundBatches(Generic[T]):
    def __init__(self, handle: Callable[[list[T]], None], *, interval: float, name: str) -> None:
        self.handle = handle
        self._interval = interval
        self._name = name
        self._changed = threading.Condition()
        self._gathered: list[T] = []
        self._submitted = 0  # items handed in, and items handled or dropped: flush waits for equal
        self._settled = 0
        self._hurry = False
        self._worker: threading.Thread | None = None

    def submit(self, items: list[T]) -> None:
        with self._changed:
            self._gathered += items
            self._submitted += len(items)
            if self._worker is None:
                self._worker = threading.Thread(target=self._work_forever, name=self._name, daemon=True)
                self._worker.start()

    def flush(self, timeout: float = 10.0) -> None:
        """Handles what was handed in so far, and waits for it (tests, and a host stopping)."""
        with self._changed:
            target = self._submitted
            self._hurry = True
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._settled >= target, timeout)

    def _work_forever(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._hurry, self._interval)
                self._hurry = False
                batch, self._gathered = self._gathered, []
            if batch:
                try:
                    self.handle(batch)
                except Exception as error:
                    logger.error(
                        "%s could not handle %d items: %s", self._name, len(batch), type(error).__name__
                    )
            with self._changed:
                self._settled += len(batch)
                self._changed.notify_all()

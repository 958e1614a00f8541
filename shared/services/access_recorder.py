"""This instance's writer of the access log: a request never waits for its entry.

Entries are gathered and written together every `interval` seconds by one background thread, so
the reads of a busy till cost the log a few batched writes a second (one per key, per person and
per day), not three per read. An entry that cannot be written is logged (ids only) and dropped; an
instance that stops loses what it gathered in its last interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shared.domain.access_log import AccessEntry
from shared.storage.ports import AccessLog

logger = logging.getLogger(__name__)

WRITE_INTERVAL_SECONDS = 0.25


class AccessRecorder:
    def __init__(
        self,
        log: AccessLog,
        *,
        interval: float = WRITE_INTERVAL_SECONDS,
        after_write: Callable[[list[AccessEntry]], None] | None = None,
    ) -> None:
        self._log = log
        self.after_write = after_write  # each batch, once written: the keys' read counts
        self._interval = interval
        self._changed = threading.Condition()
        self._gathered: list[AccessEntry] = []
        self._submitted = 0  # entries handed in, and entries written or dropped: flush waits for equal
        self._settled = 0
        self._hurry = False
        self._writer: threading.Thread | None = None

    def submit(self, entries: list[AccessEntry]) -> None:
        with self._changed:
            self._gathered += entries
            self._submitted += len(entries)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_forever, name="access-log-writer", daemon=True
                )
                self._writer.start()

    def flush(self, timeout: float = 10.0) -> None:
        """Writes what was handed in so far, and waits for it (tests, and a host stopping)."""
        with self._changed:
            target = self._submitted
            self._hurry = True
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._settled >= target, timeout)

    def _write_forever(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._hurry, self._interval)
                self._hurry = False
                batch, self._gathered = self._gathered, []
            if batch:
                try:
                    self._log.record(batch)
                except Exception as error:
                    logger.error("Could not record %d access entries: %s", len(batch), type(error).__name__)
                if self.after_write is not None:
                    self.after_write(batch)
            with self._changed:
                self._settled += len(batch)
                self._changed.notify_all()

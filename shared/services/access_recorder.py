"""This instance's writer of the access log: a request never waits for its entry.

Entries are gathered and written together every `interval` seconds by one background thread, so
the reads of a busy till cost the log a few batched writes a second (one per key, per person and
per day), not three per read. An entry that cannot be written is logged (ids only) and dropped; an
instance that stops loses what it gathered in its last interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.domain.access_log import AccessEntry
from shared.services.background import BackgroundBatches
from shared.storage.ports import AccessLog

logger = logging.getLogger(__name__)

WRITE_INTERVAL_SECONDS = 0.25


class AccessRecorder(BackgroundBatches[AccessEntry]):
    def __init__(
        self,
        log: AccessLog,
        *,
        interval: float = WRITE_INTERVAL_SECONDS,
        after_write: Callable[[list[AccessEntry]], None] | None = None,
    ) -> None:
        super().__init__(self._write, interval=interval, name="access-log-writer")
        self._log = log
        self.after_write = after_write  # each batch, once written: the keys' read counts

    def _write(self, batch: list[AccessEntry]) -> None:
        try:
            self._log.record(batch)
        except Exception as error:
            logger.error("Could not record %d access entries: %s", len(batch), type(error).__name__)
        if self.after_write is not None:
            self.after_write(batch)

"""This instance's background writers of the access log: a read never waits for its entry."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from shared.domain.access_log import AccessEntry
from shared.storage.ports import AccessLog

logger = logging.getLogger(__name__)


class AccessRecorder:
    """This instance's background writers of access entries."""

    def __init__(self, log: AccessLog, *, writers: int = 2) -> None:
        self._log = log
        self._pool = ThreadPoolExecutor(max_workers=writers, thread_name_prefix="access-log")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, entries: list[AccessEntry]) -> None:
        future = self._pool.submit(self._log.record, entries)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def flush(self, timeout: float = 10.0) -> None:
        """Waits for what was submitted so far (tests, and a host stopping)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.exception(timeout=timeout)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)
        if future.exception() is not None:
            logger.error("Could not record access entries: %s", type(future.exception()).__name__)

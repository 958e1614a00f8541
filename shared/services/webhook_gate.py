"""Which webhooks this instance is posting to right now, so a slow receiver holds one worker only."""

from __future__ import annotations

import threading


class WebhookGate:
    """Which webhooks this instance is posting to right now: one post per webhook at a time."""

    def __init__(self) -> None:
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def enter(self, webhook_id: str) -> bool:
        with self._lock:
            if webhook_id in self._busy:
                return False
            self._busy.add(webhook_id)
            return True

    def leave(self, webhook_id: str) -> None:
        with self._lock:
            self._busy.discard(webhook_id)

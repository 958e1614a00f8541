"""How many posts this instance has in flight to each webhook: a slow or dead receiver holds at most
`per_webhook` of the instance's workers, never the rest, so other webhooks and every create go on."""

from __future__ import annotations

import threading
from collections import Counter

POSTS_PER_WEBHOOK = 4


class WebhookGate:
    def __init__(self, per_webhook: int = POSTS_PER_WEBHOOK) -> None:
        self._per_webhook = per_webhook
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    def enter(self, webhook_id: str) -> bool:
        with self._lock:
            if self._busy[webhook_id] >= self._per_webhook:
                return False
            self._busy[webhook_id] += 1
            return True

    def leave(self, webhook_id: str) -> None:
        with self._lock:
            self._busy[webhook_id] -= 1
            if self._busy[webhook_id] <= 0:
                del self._busy[webhook_id]

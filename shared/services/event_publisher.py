"""This instance's publisher: a change tells it which account has new events, and a background
thread publishes them a moment later, so no request or conversion waits for the feed or webhooks.

What it misses (an instance that stops first) the timer's sweep publishes: every account with
unpublished events is marked in its channel, in the transaction that completed the change.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.services.background import BackgroundBatches

PUBLISH_INTERVAL_SECONDS = 0.1


class EventPublisher(BackgroundBatches[tuple[str, str]]):
    """Takes (channel id, account number) pairs; `publish` is set by the composition root."""

    def __init__(self, *, interval: float = PUBLISH_INTERVAL_SECONDS) -> None:
        super().__init__(self._publish_each, interval=interval, name="event-publisher")
        self.publish: Callable[[str, str], None] | None = None

    def notify(self, channel_id: str, account_number: str) -> None:
        if self.publish is not None:
            self.submit([(channel_id, account_number)])

    def _publish_each(self, marked: list[tuple[str, str]]) -> None:
        assert self.publish is not None
        for channel_id, account_number in dict.fromkeys(marked):
            self.publish(channel_id, account_number)

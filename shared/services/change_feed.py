"""The change feed: every published customer event, for a consumer that follows `nextCursor`."""

from __future__ import annotations

import re
from datetime import timedelta

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.events import ChangePage, CloudEvent
from shared.domain.paging import decode_cursor, encode_cursor
from shared.services.dependencies import Dependencies

FEED_POSITION = re.compile(r"^\d{8}T\d{6}\.\d{6}Z(\|[^|\x00-\x1f]{1,64}\|\d{12})?$")
DEFAULT_CHANGES_PAGE = 100
MAX_CHANGES_PAGE = 500


def read_changes(dependencies: Dependencies, *, after: str | None, limit: int) -> ChangePage:
    """Events published after the cursor, up to `FEED_SETTLE_SECONDS` before now: an instance whose
    clock is a little behind may still be writing below now, never below that."""
    settings = dependencies.settings
    now = dependencies.clock()
    events, key = dependencies.event_feed.read(
        after=_position(after),
        until=now - timedelta(seconds=settings.feed_settle_seconds),
        oldest=now - timedelta(days=settings.feed_days),
        limit=limit,
    )
    return ChangePage(
        items=[CloudEvent.model_validate(event.cloud_event(settings.event_source)) for event in events],
        next_cursor=encode_cursor({"k": key}),
    )


def _position(after: str | None) -> str | None:
    """Where a cursor of this feed stands; anything else is refused, naming `after`."""
    try:
        position = decode_cursor(after)
    except ValidationFailed:
        position = {}
    if after is None:
        return None
    key = position.get("k") if position else None
    if not isinstance(key, str) or not FEED_POSITION.match(key):
        raise ValidationFailed([FieldError("after", "is not a cursor this feed gave out")])
    return key

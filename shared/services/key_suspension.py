"""A stolen till key is not the customer base: a key that reads more than KEY_READS_PER_HOUR
distinct customers in an hour, counted across every instance, is suspended.

Each instance remembers which customers it served with a key this hour; at each write of the access
log it adds the customers new to it to the key's shared count (an ETag-checked change of the key's
row), and the count decides. The instance that crosses the limit suspends the key at once; every
other instance sees it at its own next count, since counting forgets its cached copy of the key.
So the count overshoots by at most what each instance serves in one write interval of the log.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from shared.domain.access_log import AccessAction, AccessEntry
from shared.domain.errors import ConversionContended, NotFound
from shared.domain.key_reads import SuspendedKeys, hour_of
from shared.optimistic import retry_on_conflict
from shared.services.dependencies import Dependencies
from shared.storage.ports import RecordChanged

logger = logging.getLogger(__name__)


def count_key_reads(dependencies: Dependencies, entries: list[AccessEntry]) -> None:
    """Adds the customers these entries found (read, searched, changed: anything but created), new
    to this instance this hour, to each key's count."""
    by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in entries:
        if entry.action is not AccessAction.CREATE:  # making customers exports nobody
            by_key[(entry.channel_id, entry.key_id)].add(entry.customer_id)
    for (channel_id, key_id), customers in by_key.items():
        try:
            _count(dependencies, channel_id, key_id, customers)
        except Exception as error:  # counting must never stop the log's writer
            logger.error("Could not count the reads of key %s: %s", key_id, type(error).__name__)


def _count(dependencies: Dependencies, channel_id: str, key_id: str, customers: set[str]) -> None:
    tracker, key = dependencies.key_reads, (channel_id, key_id)
    limit = dependencies.settings.key_reads_per_hour
    if not tracker.uncounted(key, customers, hour=hour_of(dependencies.clock())):
        return  # every one counted already this hour: no round trip

    def attempt() -> None:
        found = dependencies.channel_keys.reads(channel_id, key_id)
        if found is None:
            return  # revoked: nothing left to suspend
        reads, version = found
        at = dependencies.clock()
        new = tracker.uncounted(key, customers, hour=hour_of(at), epoch=reads.epoch)
        if not new:
            return
        counted = reads.counted(len(new), at, limit=limit)
        dependencies.channel_keys.save_reads(channel_id, key_id, counted, version=version)
        tracker.counted(key, new, hour=hour_of(at), epoch=reads.epoch)
        if counted.suspended_at is not None and reads.suspended_at is None:
            logger.warning(
                "Key %s of channel %s suspended: more than %d distinct customers in an hour",
                key_id,
                channel_id,
                limit,
                extra={"channelId": channel_id},
            )

    retry_on_conflict(attempt, conflicts=(RecordChanged,), exhausted=lambda: None)


def reinstate_key(dependencies: Dependencies, *, channel_id: str, key_id: str) -> None:
    """Lifts a suspension: the key works again, its count starts from nothing."""

    def attempt() -> None:
        found = dependencies.channel_keys.reads(channel_id, key_id)
        if found is None:
            raise NotFound(f"Channel '{channel_id}' has no key '{key_id}'")
        reads, version = found
        dependencies.channel_keys.save_reads(
            channel_id, key_id, reads.reinstated(), version=version, lifted=True
        )

    retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=ConversionContended(f"Key {key_id} kept changing; try again"),
    )


def suspended_keys(dependencies: Dependencies) -> SuspendedKeys:
    return SuspendedKeys(items=dependencies.channel_keys.suspended())

"""How many distinct customers a channel key read in the last hour, across every instance, and
when that many means the key is stolen.

Each instance counts the customers its requests touched with a key and adds the new ones to the
key's shared count at each write of the access log. The count is kept per clock hour, with the
hour before, and "the last hour" is estimated the sliding-window way: this hour's count plus the
part of the last hour's that the window still covers. A customer two instances both served counts
twice: the estimate errs towards suspending, never towards letting an export through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.domain.models import ApiModel

_ONE_HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> str:
    return f"{at:%Y%m%d%H}"


@dataclass(frozen=True)
class KeyReads:
    hour: str = ""
    count: int = 0
    previous: int = 0  # the count of the hour before `hour`
    epoch: int = 0  # moves on at each reinstatement: counts of before it no longer count
    suspended_at: datetime | None = None

    def added(self, new_customers: int, at: datetime) -> KeyReads:
        now = hour_of(at)
        if now == self.hour:
            return replace(self, count=self.count + new_customers)
        just_before = hour_of(at.replace(minute=0, second=0, microsecond=0) - _ONE_HOUR)
        previous = self.count if self.hour == just_before else 0
        return replace(self, hour=now, count=new_customers, previous=previous)

    def in_the_last_hour(self, at: datetime) -> float:
        """The sliding-window estimate at `at` (counted up to `at`: `added` rolls the hour)."""
        if self.hour != hour_of(at):
            return 0.0
        elapsed = (at.minute * 60 + at.second) / 3600
        return self.count + self.previous * (1 - elapsed)

    def counted(self, new_customers: int, at: datetime, *, limit: int) -> KeyReads:
        """The count with these customers added; suspended once the last hour holds more than `limit`."""
        after = self.added(new_customers, at)
        if after.suspended_at is None and after.in_the_last_hour(at) > limit:
            return replace(after, suspended_at=at)
        return after

    def reinstated(self) -> KeyReads:
        """Lifted by an admin: counting starts again from nothing."""
        return KeyReads(epoch=self.epoch + 1)


class SuspendedKey(ApiModel):
    channel_id: str
    key_id: str
    suspended_at: datetime


class SuspendedKeys(ApiModel):
    """Body of `GET /api/suspended-keys`."""

    items: list[SuspendedKey]

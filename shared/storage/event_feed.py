"""The change feed: every published event, in the order it was published, one partition a day.

  PartitionKey  <yyyy-mm-dd> of when it was published
  RowKey        <published at, to the microsecond>|<account number>|<sequence, 12 digits>

A key starts with the publishing instance's clock, so the feed is read only up to a little before
now (`until`): an instance whose clock is slightly behind may still write below the newest key, but
never below `until`. One account's events are published by one publisher at a time, in sequence
order, so they stand in that order here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from azure.data.tables import TableClient, UpdateMode

from shared.domain.errors import HeadquartersUnavailable
from shared.domain.events import CustomerEvent, EventType
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.event_columns import event_columns, event_of
from shared.storage.tables import delete_found

FEED_TABLE = "CustomerEventFeed"
EVENTS_PER_TRANSACTION = 20  # an event holds up to a customer's 64 KiB; a transaction at most 4 MiB


def feed_key(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S.%fZ")


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d")


def _day_of_key(key: str) -> str:
    return f"{key[0:4]}-{key[4:6]}-{key[6:8]}"


class EventFeedTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def _table(self) -> TableClient:
        return self._account.table(FEED_TABLE)

    def append(self, events: Sequence[CustomerEvent], *, at: datetime) -> None:
        """Adds one account's events, in their order, as published at `at`."""
        prefix = feed_key(at)
        rows = [
            {
                "PartitionKey": _day(at),
                "RowKey": f"{prefix}|{event.account_number}|{event.sequence:012d}",
                "Account": event.account_number,
                "Sequence": event.sequence,
                **event_columns(event.id, event.type, event.time, event.data),
            }
            for event in events
        ]
        with translate_storage_errors(HeadquartersUnavailable):
            for start in range(0, len(rows), EVENTS_PER_TRANSACTION):
                part = rows[start : start + EVENTS_PER_TRANSACTION]
                self._table().submit_transaction(
                    [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in part]
                )

    def read(
        self, *, after: str | None, until: datetime, oldest: datetime, limit: int
    ) -> tuple[list[CustomerEvent], str]:
        """Events after the key `after` (from `oldest` when None) and before `until`, and the key to
        go on after: the last event's when the page is full, else `until`'s, since every event below
        it has been seen."""
        start = after if after is not None and after >= feed_key(oldest) else feed_key(oldest)
        end = feed_key(until)
        found: list[CustomerEvent] = []
        day = datetime.strptime(_day_of_key(start), "%Y-%m-%d").replace(tzinfo=until.tzinfo)
        with translate_storage_errors(HeadquartersUnavailable):
            while _day(day) <= _day(until) and len(found) < limit:
                rows = self._table().query_entities(
                    "PartitionKey eq @day and RowKey gt @start and RowKey lt @end",
                    parameters={"day": _day(day), "start": start, "end": end},
                    results_per_page=min(limit, 1000),
                )
                for row in rows:
                    found.append(_event_from(row))
                    start = str(row["RowKey"])
                    if len(found) >= limit:
                        return found, start
                day += timedelta(days=1)
        return found, end if end > start else start

    def remove_account(self, account_number: str, *, oldest: datetime, until: datetime) -> int:
        """Deletes the account's entries of every day kept (an erasure), but the erasure's own;
        answers how many went."""
        table = self._table()
        removed = 0
        day = oldest
        with translate_storage_errors(HeadquartersUnavailable):
            while _day(day) <= _day(until):
                rows = table.query_entities(
                    "PartitionKey eq @day and Account eq @account and Type ne @erased",
                    parameters={
                        "day": _day(day),
                        "account": account_number,
                        "erased": EventType.ERASED.value,
                    },
                    select=["RowKey"],
                )
                removed += delete_found(table, _day(day), rows)
                day += timedelta(days=1)
        return removed

    def prune(self, *, keep_from: datetime, limit: int = 2000) -> int:
        """Drops the events of the week of days before `keep_from`, at most `limit` a call (the
        timer's run is bounded; the rest goes next run); answers how many went."""
        removed = 0
        table = self._table()
        with translate_storage_errors(HeadquartersUnavailable):
            for back in range(1, 8):
                day = _day(keep_from - timedelta(days=back))
                rows = table.query_entities(
                    "PartitionKey eq @d", parameters={"d": day}, select=["RowKey"], results_per_page=100
                )
                removed += delete_found(table, day, rows, limit=limit - removed)
                if removed >= limit:
                    break
        return removed


def _event_from(row: Any) -> CustomerEvent:
    return event_of(row, account_number=row["Account"], sequence=int(row["Sequence"]))

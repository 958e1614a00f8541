"""The access log table. Each entry is written in three partitions, newest first in each:
  key|<channelId>|<keyId>       what one key touched
  person|<accountNumber>        what was done to an HQ customer (person|<customerId> while pending)
  day|<yyyymmdd>                pointers to the day's entries, so the timer can delete a whole day
                                without scanning the others
Entries of one key or one day go in batches; a person's partition takes one write per customer.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from shared.domain.access_log import AccessEntry
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.tables import KEY_RANGE_QUERY, in_transactions, newest_first

ACCESS_TABLE = "AccessLog"
POINTER_SEPARATOR = "~"  # in no id, and a RowKey may hold it (it refuses #, /, backslash and ?)
MAX_DAYS_PER_PRUNE = 31
FIRST_PRUNE_DAYS = 30  # a first run looks this far behind the retention for older days


def key_partition(channel_id: str, key_id: str) -> str:
    return f"key|{channel_id}|{key_id}"


def person_partition(person: str) -> str:
    """A person's entries: under their account number once they have one, their GUID before."""
    return f"person|{person}"


def _day_partition(at: date) -> str:
    return f"day|{at:%Y%m%d}"


class AccessLogTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def record(self, entries: list[AccessEntry]) -> None:
        by_partition: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for entry in entries:
            row_key = f"{newest_first(entry.at)}|{uuid.uuid4().hex}"
            columns = _columns(entry)
            key_rows = key_partition(entry.channel_id, entry.key_id)
            person_rows = person_partition(entry.account_number or entry.customer_id)
            for partition in (key_rows, person_rows):
                by_partition[partition].append({"PartitionKey": partition, "RowKey": row_key, **columns})
            by_partition[_day_partition(entry.at)].append(
                {
                    "PartitionKey": _day_partition(entry.at),
                    "RowKey": f"{key_rows}{POINTER_SEPARATOR}{row_key}",
                    "Person": person_rows,
                }
            )
        table = self._account.table(ACCESS_TABLE)
        with translate_storage_errors():
            for rows in by_partition.values():
                for transaction in in_transactions(
                    [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in rows]
                ):
                    table.submit_transaction(transaction)

    def for_key(
        self, channel_id: str, key_id: str, *, after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]:
        return self._newest([key_partition(channel_id, key_id)], after=after, limit=limit)

    def for_person(
        self, *, customer_ids: list[str], account_numbers: list[str], after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]:
        partitions = [person_partition(person) for person in [*customer_ids, *account_numbers]]
        return self._newest(partitions, after=after, limit=limit)

    def _newest(
        self, partitions: list[str], *, after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]:
        """The newest entries of these partitions together, from just after the row `after`."""
        table = self._account.table(ACCESS_TABLE)
        start = f"{after}\x00" if after else ""
        streams = []
        with translate_storage_errors():
            for partition in dict.fromkeys(partitions):
                rows = table.query_entities(
                    KEY_RANGE_QUERY,
                    parameters={"pk": partition, "start": start, "end": "~"},
                    results_per_page=min(limit, 1000),
                )
                streams.append([(str(row["RowKey"]), _entry(row)) for row in itertools.islice(rows, limit)])
        merged = heapq.merge(*streams, key=lambda item: item[0])
        return list(itertools.islice(merged, limit))

    def remove_person(self, person: str) -> int:
        """Deletes the person's partition (an erasure); answers how many entries went."""
        table = self._account.table(ACCESS_TABLE)
        partition = person_partition(person)
        with translate_storage_errors():
            rows = table.query_entities(
                "PartitionKey eq @pk", parameters={"pk": partition}, select=["RowKey"]
            )
            keys = [(partition, str(row["RowKey"])) for row in rows]
            _delete_all(table, keys)
        return len(keys)

    def prune(self, *, before: datetime, limit: int) -> int:
        """Deletes up to `limit` entries of the days wholly before `before`, the oldest day first,
        looking at no more than `MAX_DAYS_PER_PRUNE` days. A marker row keeps the last day emptied,
        so a run starts where the last one stopped and an empty day is read once."""
        table = self._account.table(ACCESS_TABLE)
        last_day = (before - timedelta(days=1)).date()
        deleted = 0
        with translate_storage_errors():
            marker = _marker(table)
            day = marker + timedelta(days=1) if marker else last_day - timedelta(days=FIRST_PRUNE_DAYS)
            for _ in range(MAX_DAYS_PER_PRUNE):
                if day > last_day or deleted >= limit:
                    break
                partition = _day_partition(day)
                budget = limit - deleted
                rows = table.query_entities("PartitionKey eq @pk", parameters={"pk": partition})
                pointers = list(itertools.islice(rows, budget + 1))
                entries: list[tuple[str, str]] = []
                for pointer in pointers[:budget]:
                    key_rows, row_key = str(pointer["RowKey"]).split(POINTER_SEPARATOR, 1)
                    entries += [(key_rows, row_key), (str(pointer["Person"]), row_key)]
                # The pointers go last: a run that stops half-way leaves them to find the rest again.
                _delete_all(table, entries + [(partition, str(p["RowKey"])) for p in pointers[:budget]])
                deleted += len(pointers[:budget])
                if len(pointers) > budget:
                    break  # this day has more: the next run goes on with it
                table.upsert_entity(
                    {"PartitionKey": "prune", "RowKey": "emptied-through", "Day": f"{day:%Y%m%d}"},
                    mode=UpdateMode.REPLACE,
                )
                day += timedelta(days=1)
        return deleted


def _delete_all(table: Any, keys: list[tuple[str, str]]) -> None:
    """Deletes these rows, a batch per partition. A batch fails whole when a row is gone already (an
    earlier run that stopped half-way): its rows are then deleted one by one, a gone one no error."""
    by_partition: dict[str, list[str]] = defaultdict(list)
    for partition, row_key in keys:
        by_partition[partition].append(row_key)
    for partition, row_keys in by_partition.items():
        deletes = [("delete", {"PartitionKey": partition, "RowKey": row_key}) for row_key in row_keys]
        for transaction in in_transactions(deletes):
            try:
                table.submit_transaction(transaction)
            except TableTransactionError:
                for _, entity in transaction:
                    table.delete_entity(entity["PartitionKey"], entity["RowKey"])


def _marker(table: Any) -> date | None:
    try:
        row = table.get_entity("prune", "emptied-through")
    except ResourceNotFoundError:
        return None
    return datetime.strptime(str(row["Day"]), "%Y%m%d").date()


def _columns(entry: AccessEntry) -> dict[str, Any]:
    return {
        "At": entry.at,
        "ChannelId": entry.channel_id,
        "KeyId": entry.key_id,
        "Action": entry.action.value,
        "CustomerId": entry.customer_id,
        "AccountNumber": entry.account_number or "",
    }


def _entry(row: Any) -> AccessEntry:
    return AccessEntry.model_validate(
        {
            "at": row["At"],
            "channelId": row["ChannelId"],
            "keyId": row["KeyId"],
            "action": row["Action"],
            "customerId": row["CustomerId"],
            "accountNumber": row.get("AccountNumber") or None,
        }
    )

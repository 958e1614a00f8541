"""The customer search index: one small entity per (scope, term, customer), read by key range only.

A search costs what it finds, not how many customers exist: every lookup is one PartitionKey plus a
RowKey range, never a filter over other properties. Layout:

- PartitionKey `{scope}|{kind}|{shard}`: scope is `Synced` (seen by every channel) or the id of the
  channel whose pending customers it holds; names shard by their first character (so a prefix knows
  its partition), exact kinds by a hash of the term (account numbers all start alike).
- RowKey `{key term}|{customer id}`: the key term is the term with every character outside
  `[A-Za-z0-9.-]` written as `_XX` per UTF-8 byte, so any text is a legal key, cannot collide with
  the `|` separator, and a prefix of a term stays a prefix of its key term.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.search import PREFIX_KINDS, SYNCED_SCOPE, SearchQuery, SearchTerm, key_term
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.channel_rows import CUSTOMERS_TABLE, RowFamily, search_prefix
from shared.storage.ports import IndexHit
from shared.storage.tables import KEY_RANGE_QUERY, in_transactions

SEARCH_INDEX_TABLE = "CustomerSearchIndex"
# Upper case cannot be a channel id, so the shared scope never meets a channel's own.
# A search page is at most 50 customers; a read of 64 entries usually covers it and its stale hits.
FIND_PAGE_SIZE = 64


def partition_key(scope: str, kind: str, encoded_term: str) -> str:
    if kind in PREFIX_KINDS:
        shard = encoded_term[:3] if encoded_term.startswith("_") else encoded_term[:1]
    else:
        shard = hashlib.sha256(encoded_term.encode()).hexdigest()[:2]
    return f"{scope}|{kind}|{shard}"


def row_key(encoded_term: str, sort_key: str, customer_id: str) -> str:
    """Rows of one term sort by `sort_key` (account number, or creation time), never by the id."""
    return f"{encoded_term}|{key_term(sort_key)}|{customer_id}"


def key_range(key_prefix: str) -> tuple[str, str]:
    """`[start, end)` holding exactly the RowKeys that begin with `key_prefix`."""
    # Key terms are ASCII, so raising the last character by one is the first string past the prefix.
    return key_prefix, key_prefix[:-1] + chr(ord(key_prefix[-1]) + 1)


class CustomerSearchIndex:
    def __init__(self, account: StorageAccount, *, parallel_writes: int = 16) -> None:
        self._account = account
        # Partitions are written side by side: a create waits for one round trip, not one per term.
        self._partition_writes = ThreadPoolExecutor(
            max_workers=parallel_writes, thread_name_prefix="search-index"
        )

    @property
    def _table(self) -> TableClient:
        return self._account.table(SEARCH_INDEX_TABLE)

    def _table_of(self, scope: str) -> TableClient:
        """Synced entries live in the index table; a channel's pending ones in its own partition of
        the customers table, so a create writes them in its one transaction."""
        return self._table if scope == SYNCED_SCOPE else self._account.table(CUSTOMERS_TABLE)

    def add(
        self,
        *,
        scope: str,
        channel_id: str,
        customer_id: str,
        terms: Iterable[SearchTerm],
        sort_key: str,
    ) -> None:
        """Upserts the customer's entries; repeating it changes nothing."""
        entities = [
            {**keys, "ChannelId": channel_id, "CustomerId": customer_id}
            for keys in _entry_keys(scope, customer_id, terms, sort_key)
        ]
        table = self._table_of(scope)
        list(
            self._partition_writes.map(
                lambda group: _upsert_group(table, group), _transaction_groups(entities)
            )
        )

    def remove(self, *, scope: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str) -> None:
        """Deletes the customer's entries for these terms; entries already gone are fine."""
        table = self._table_of(scope)
        for group in _transaction_groups(_entry_keys(scope, customer_id, terms, sort_key)):
            with translate_storage_errors():
                if len(group) > 1:
                    try:
                        table.submit_transaction([("delete", keys) for keys in group])
                        continue
                    except TableTransactionError as error:
                        # One missing entry fails the whole transaction; delete one by one instead.
                        if error.status_code != 404:
                            raise
                for keys in group:
                    table.delete_entity(keys["PartitionKey"], keys["RowKey"])

    def find(self, *, scope: str, query: SearchQuery, after: str | None = None) -> Iterator[IndexHit]:
        """The entries matching `query` in key order (term, then sort key), from just after the
        RowKey `after`; read a page at a time as the caller consumes them, so a search reads only
        as far as it returns. A channel's pending entries written by an earlier version (in the index
        table, without a sort key) are read after the current ones, so those customers stay found."""
        encoded = key_term(query.term)
        if not encoded:
            return
        wanted = encoded if query.prefix else encoded + "|"
        if scope == SYNCED_SCOPE:
            yield from self._range(self._table, partition_key(scope, query.kind, encoded), "", wanted, after)
            return
        prefix = search_prefix(query.kind)
        legacy_after = after if after is not None and not after.startswith(RowFamily.SEARCH.prefix) else None
        if legacy_after is None:
            yield from self._range(self._table_of(scope), scope, prefix, wanted, after)
        yield from self._range(
            self._table, partition_key(scope, query.kind, encoded), "", wanted, legacy_after
        )

    def _range(
        self, table: TableClient, partition: str, prefix: str, wanted: str, after: str | None
    ) -> Iterator[IndexHit]:
        start, end = key_range(prefix + wanted)
        if after is not None:
            start = max(start, after + "\x00")
        with translate_storage_errors():
            rows = table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": partition, "start": start, "end": end},
                select=["RowKey", "ChannelId", "CustomerId"],
                results_per_page=FIND_PAGE_SIZE,
            )
            for row in rows:
                row_key_text = str(row["RowKey"])
                yield IndexHit(
                    channel_id=row["ChannelId"],
                    customer_id=row["CustomerId"],
                    row_key=row_key_text,
                    encoded_term=row_key_text[len(prefix) :].split("|", 1)[0],
                )


def pending_search_entities(
    channel_id: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str
) -> list[dict[str, Any]]:
    """A pending customer's entries, in its channel's partition of the customers table."""
    return [
        {**keys, "ChannelId": channel_id, "CustomerId": customer_id}
        for keys in _entry_keys(channel_id, customer_id, terms, sort_key)
    ]


def _upsert_group(table: TableClient, group: list[dict[str, Any]]) -> None:
    with translate_storage_errors():
        if len(group) == 1:
            table.upsert_entity(group[0], mode=UpdateMode.REPLACE)
        else:
            table.submit_transaction([("upsert", entity, {"mode": UpdateMode.REPLACE}) for entity in group])


def _entry_keys(
    scope: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str
) -> list[dict[str, Any]]:
    keys: dict[tuple[str, str], dict[str, Any]] = {}
    for term in terms:
        encoded = key_term(term.term)
        if not encoded:
            continue
        if scope == SYNCED_SCOPE:
            partition, row = partition_key(scope, term.kind, encoded), row_key(encoded, sort_key, customer_id)
        else:
            partition, row = scope, search_prefix(term.kind) + row_key(encoded, sort_key, customer_id)
        # Two long terms may truncate to one key; a transaction must not name a row twice.
        keys[(partition, row)] = {"PartitionKey": partition, "RowKey": row}
    return list(keys.values())


def _transaction_groups(entities: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Entity-group transactions need one partition and at most 100 operations."""
    by_partition: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entity in entities:
        by_partition[entity["PartitionKey"]].append(entity)
    return [transaction for entries in by_partition.values() for transaction in in_transactions(entries)]

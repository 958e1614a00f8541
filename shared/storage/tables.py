"""What every table adapter needs of Azure Table storage: its transaction limit, key ranges, a key
part that sorts the newest first, and deleting what a query found."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")

# An entity-group transaction holds at most 100 operations, all in one partition.
MAX_TRANSACTION_OPERATIONS = 100
# The one shape of a read by key: a partition and a RowKey range, never a filter over other columns.
KEY_RANGE_QUERY = "PartitionKey eq @pk and RowKey ge @start and RowKey lt @end"
_CLOCK_END = 10**17 - 1  # microseconds: far beyond any date a row can carry


def newest_first(at: datetime) -> str:
    """A RowKey part that sorts later times first, so one range read lists the newest rows."""
    return f"{_CLOCK_END - int(at.timestamp() * 1_000_000):017d}"


def key_after(prefix: str) -> str:
    """The smallest key above every key that starts with `prefix` (which ends in '|')."""
    return prefix[:-1] + "}"


def in_transactions(operations: Sequence[T]) -> Iterator[list[T]]:
    """`operations` of one partition, cut into transactions Azure accepts."""
    for start in range(0, len(operations), MAX_TRANSACTION_OPERATIONS):
        yield list(operations[start : start + MAX_TRANSACTION_OPERATIONS])


def delete_found(
    table: Any, partition: str, rows: Iterable[Mapping[str, Any]], *, limit: int | None = None
) -> int:
    """Deletes the rows a query of one partition found (at most `limit`), a transaction per hundred;
    answers how many went."""
    keys: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        if limit is not None and len(keys) >= limit:
            break
        keys.append(("delete", {"PartitionKey": partition, "RowKey": row["RowKey"]}))
    for transaction in in_transactions(keys):
        table.submit_transaction(transaction)
    return len(keys)

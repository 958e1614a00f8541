"""Table names two adapters share: a channel's partition of the customers table holds its customers,
their addresses and operations, and the search entries of its pending customers."""

from datetime import datetime

CUSTOMERS_TABLE = "ChannelCustomers"
_CLOCK_END = 10**17 - 1  # microseconds: far beyond any date a row can carry


def newest_first(at: datetime) -> str:
    """A RowKey part that sorts later times first, so one range read lists the newest rows."""
    return f"{_CLOCK_END - int(at.timestamp() * 1_000_000):017d}"

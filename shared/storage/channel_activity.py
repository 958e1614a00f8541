"""What a channel did lately, for the console: its completed sync operations and its conversions.

Read models over the audit trail and the conversion log of the channel's partition; nothing here
changes a customer.
"""

from __future__ import annotations

from datetime import datetime

from azure.data.tables import TableClient

from shared.domain.operations import SyncOperation
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.channel_customers import operation_from_row, utc
from shared.storage.channel_rows import CUSTOMERS_TABLE, RowFamily, converted_range
from shared.storage.tables import KEY_RANGE_QUERY, key_after


class ChannelActivityTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    @property
    def _table(self) -> TableClient:
        return self._account.table(CUSTOMERS_TABLE)

    def completed_operations(self, channel_id: str, *, limit: int) -> list[SyncOperation]:
        """The newest-keyed part of the audit trail, at most `limit` operations."""
        prefix = RowFamily.DONE.prefix
        found: list[SyncOperation] = []
        with translate_storage_errors():
            rows = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": channel_id, "start": prefix, "end": key_after(prefix)},
                results_per_page=min(limit, 1000),
            )
            for row in rows:
                found.append(operation_from_row(row))
                if len(found) >= limit:
                    break
        return found

    def conversions_since(self, channel_id: str, since: datetime) -> list[datetime]:
        """When the channel's customers converted since `since`: one range of the conversion log,
        as long as the window, whatever the channel's history."""
        start, end = converted_range(since)
        with translate_storage_errors():
            rows = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": channel_id, "start": start, "end": end},
                select=["ConvertedAt"],
                results_per_page=1000,
            )
            return [utc(row["ConvertedAt"]) for row in rows]

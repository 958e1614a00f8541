"""The channel table: one row per store or online store, with its functionality profile."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.domain.channel import Channel, ChannelKind, CustomerDefaults
from shared.storage.account import StorageAccount, translate_storage_errors

CHANNELS_TABLE = "Channels"
CHANNELS_PARTITION = "channel"

_FLAG_COLUMNS = {
    "async_customer_creation": "AsyncCustomerCreation",
    "enhanced_async_customers": "EnhancedAsyncCustomers",
    "async_customer_addresses": "AsyncCustomerAddresses",
    "filter_shared_customer_tables": "FilterSharedCustomerTables",
    "async_customer_edits": "AsyncCustomerEdits",
}


class ChannelTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    @property
    def _table(self):  # type: ignore[no-untyped-def]
        return self._account.table(CHANNELS_TABLE)

    def get(self, channel_id: str) -> Channel | None:
        with translate_storage_errors():
            try:
                entity = self._table.get_entity(CHANNELS_PARTITION, channel_id)
            except ResourceNotFoundError:
                return None
        values = {field: bool(entity.get(column)) for field, column in _FLAG_COLUMNS.items()}
        defaults = entity.get("CustomerDefaults")
        return Channel(
            channel_id=channel_id,
            name=entity["Name"],
            kind=ChannelKind(entity.get("Kind") or ChannelKind.STORE),  # channels made before kinds: stores
            default_country=entity["DefaultCountry"],
            customer_defaults=CustomerDefaults.model_validate_json(defaults)
            if defaults
            else CustomerDefaults(),
            **values,
        )

    def save(self, channel: Channel) -> None:
        entity = {
            "PartitionKey": CHANNELS_PARTITION,
            "RowKey": channel.channel_id,
            "Name": channel.name,
            "Kind": channel.kind.value,
            "DefaultCountry": channel.default_country,
            "CustomerDefaults": channel.customer_defaults.model_dump_json(by_alias=True),
            "UpdatedAt": datetime.now(UTC),
            **{column: getattr(channel, field) for field, column in _FLAG_COLUMNS.items()},
        }
        with translate_storage_errors():
            self._table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def channel_ids(self) -> list[str]:
        """Every channel id; there are as many as stores, so the batch can afford to walk them."""
        with translate_storage_errors():
            rows = self._table.query_entities(
                "PartitionKey eq @pk",
                parameters={"pk": CHANNELS_PARTITION},
                select=["RowKey"],
            )
            return [row["RowKey"] for row in rows]

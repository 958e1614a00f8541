"""Reads HQ and channel tables directly, so tests check what was really written to storage."""

from __future__ import annotations

from typing import Any

from azure.data.tables import TableServiceClient

from shared.storage.channel_rows import CUSTOMERS_TABLE, RowFamily
from shared.storage.headquarters import KEYS_TABLE, LOYALTY_CARDS_TABLE
from shared.storage.hq_events import MASTER_ROW, MASTER_TABLE


def _table(connection_string: str, name: str) -> Any:
    client = TableServiceClient.from_connection_string(connection_string)
    return client.create_table_if_not_exists(name)


def hq_masters_of(connection_string: str, customer_id: str) -> list[dict[str, Any]]:
    """Every HQ customer master that carries this async GUID (there must be exactly one)."""
    rows = _table(connection_string, MASTER_TABLE).query_entities(
        "CustomerId eq @id", parameters={"id": customer_id}
    )
    return [dict(row) for row in rows]


def hq_master(connection_string: str, account_number: str) -> dict[str, Any] | None:
    rows = _table(connection_string, MASTER_TABLE).query_entities(
        "PartitionKey eq @pk and RowKey eq @rk", parameters={"pk": account_number, "rk": MASTER_ROW}
    )
    found = [dict(row) for row in rows]
    return found[0] if found else None


def hq_loyalty_cards(connection_string: str, account_number: str) -> list[str]:
    rows = _table(connection_string, LOYALTY_CARDS_TABLE).query_entities(
        "PartitionKey eq @pk", parameters={"pk": account_number}
    )
    return sorted(str(row["RowKey"]) for row in rows)


def hq_key_of(connection_string: str, customer_id: str) -> str | None:
    rows = list(
        _table(connection_string, KEYS_TABLE).query_entities(
            "PartitionKey eq @id", parameters={"id": customer_id}
        )
    )
    return str(rows[0]["AccountNumber"]) if rows else None


def all_bound_account_numbers(connection_string: str) -> list[str]:
    rows = _table(connection_string, KEYS_TABLE).list_entities(select=["AccountNumber"])
    return [str(row["AccountNumber"]) for row in rows]


def channel_rows(connection_string: str, channel_id: str) -> list[dict[str, Any]]:
    rows = _table(connection_string, CUSTOMERS_TABLE).query_entities(
        "PartitionKey eq @pk", parameters={"pk": channel_id}
    )
    return [dict(row) for row in rows]


def pending_rows(connection_string: str, channel_id: str) -> list[str]:
    return [
        row["RowKey"]
        for row in channel_rows(connection_string, channel_id)
        if row["RowKey"].startswith(RowFamily.PENDING.prefix)
    ]


def search_rows(connection_string: str, channel_id: str) -> list[str]:
    """The pending search entries a channel's partition holds."""
    return [
        row["RowKey"]
        for row in channel_rows(connection_string, channel_id)
        if row["RowKey"].startswith(RowFamily.SEARCH.prefix)
    ]


def row_count(connection_string: str, table_name: str) -> int:
    """Every row of a table: for tests that prove a request wrote nothing."""
    return sum(1 for _ in _table(connection_string, table_name).list_entities(select=["RowKey"]))

"""The channel's customer table: customers, their addresses and the pending index, one partition per channel.

Keeping a channel's customers, addresses and pending-index rows in one partition lets every state change
be a single entity-group transaction: a customer is never stored without its pending row, and never
marked synced while its pending row stays behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.customer import (
    Address,
    CreationMode,
    CustomerProfile,
    CustomerRecord,
    FallbackReason,
    SyncStatus,
)
from shared.storage.account import StorageAccount, translate_storage_errors

CUSTOMERS_TABLE = "ChannelCustomers"
PENDING_PREFIX = "pending|"


class RowAlreadyExists(Exception):
    """A create found its row taken: the same customer id or idempotency key was used before."""


class RecordChanged(Exception):
    """The record changed since it was read (its ETag moved on)."""


@dataclass(frozen=True)
class PendingEntry:
    """One row of the pending index: something of a customer still to be synced to HQ."""

    channel_id: str
    customer_id: str
    address_id: str | None
    pending_since: datetime


def customer_row(customer_id: str) -> str:
    return f"customer|{customer_id}"


def address_row(customer_id: str, address_id: str) -> str:
    return f"address|{customer_id}|{address_id}"


def pending_row(customer_id: str, address_id: str | None = None) -> str:
    # A customer's own pending row sorts before its addresses', so the batch syncs customers first.
    return f"{PENDING_PREFIX}{customer_id}" + (f"|{address_id}" if address_id else "")


def idempotency_row(idempotency_key: str) -> str:
    # Hashing keeps arbitrary client text out of the RowKey, whose alphabet is restricted.
    return "idempotency|" + hashlib.sha256(idempotency_key.encode()).hexdigest()


def _range_filter() -> str:
    return "PartitionKey eq @pk and RowKey ge @start and RowKey lt @end"


class ChannelCustomerTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    @property
    def _table(self) -> TableClient:
        return self._account.table(CUSTOMERS_TABLE)

    # -- writes -------------------------------------------------------------------------------

    def insert_new(
        self,
        record: CustomerRecord,
        addresses: list[Address],
        *,
        idempotency_key: str | None = None,
    ) -> CustomerRecord:
        """Writes a new customer with its addresses and pending rows in one transaction."""
        partition = record.channel_id
        operations: list[Any] = [("create", _customer_entity(record))]
        if record.is_pending:
            operations.append(("create", _pending_entity(record, None)))
        for address in addresses:
            operations.append(("create", _address_entity(record, address)))
            if address.sync_status is SyncStatus.PENDING:
                operations.append(
                    ("create", _pending_entity(record, address.address_id))
                )
        if idempotency_key is not None:
            operations.append(
                (
                    "create",
                    {
                        "PartitionKey": partition,
                        "RowKey": idempotency_row(idempotency_key),
                        "CustomerId": record.customer_id,
                    },
                )
            )
        with translate_storage_errors():
            try:
                results = self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code == 409:
                    raise RowAlreadyExists(str(error.error_code)) from None
                raise
        return record.model_copy(update={"version": results[0]["etag"]})

    def mark_synced(
        self, record: CustomerRecord, *, account_number: str, synced_at: datetime
    ) -> CustomerRecord:
        """Records the HQ account number and drops the customer from the pending index, atomically."""
        synced = record.model_copy(
            update={
                "sync_status": SyncStatus.SYNCED,
                "account_number": account_number,
                "synced_at": synced_at,
            }
        )
        operations: list[Any] = [
            (
                "update",
                _customer_entity(synced),
                {
                    "mode": UpdateMode.REPLACE,
                    "etag": record.version,
                    "match_condition": MatchConditions.IfNotModified,
                },
            ),
            (
                "delete",
                {
                    "PartitionKey": record.channel_id,
                    "RowKey": pending_row(record.customer_id),
                },
            ),
        ]
        with translate_storage_errors():
            try:
                results = self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code == 412:
                    raise RecordChanged(record.customer_id) from None
                if error.status_code == 404 and error.index == 1:
                    # The pending row is already gone (removed by hand); the update alone still holds.
                    return self._replace(synced, record.version)
                raise
        return synced.model_copy(update={"version": results[0]["etag"]})

    def mark_address_synced(
        self, channel_id: str, customer_id: str, address_id: str
    ) -> None:
        """Flags the channel's address as synced and drops it from the pending index, atomically."""
        operations: list[Any] = [
            (
                "update",
                {
                    "PartitionKey": channel_id,
                    "RowKey": address_row(customer_id, address_id),
                    "SyncStatus": SyncStatus.SYNCED.value,
                },
                {"mode": UpdateMode.MERGE},
            ),
            (
                "delete",
                {
                    "PartitionKey": channel_id,
                    "RowKey": pending_row(customer_id, address_id),
                },
            ),
        ]
        with translate_storage_errors():
            try:
                self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code == 404 and error.index == 1:
                    self._table.update_entity(operations[0][1], mode=UpdateMode.MERGE)
                    return
                raise

    def record_fallback(
        self, record: CustomerRecord, reason: FallbackReason
    ) -> CustomerRecord:
        """A sync create that HQ could not serve becomes an async one, and says why."""
        changed = record.model_copy(
            update={"creation_mode": CreationMode.ASYNC, "fallback_reason": reason}
        )
        return self._replace(changed, record.version)

    def drop_pending_entry(
        self, channel_id: str, customer_id: str, address_id: str | None = None
    ) -> None:
        with translate_storage_errors():
            try:
                self._table.delete_entity(
                    channel_id, pending_row(customer_id, address_id)
                )
            except ResourceNotFoundError:
                pass

    def _replace(self, record: CustomerRecord, etag: str | None) -> CustomerRecord:
        with translate_storage_errors():
            try:
                metadata = self._table.update_entity(
                    _customer_entity(record),
                    mode=UpdateMode.REPLACE,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
            except ResourceNotFoundError:
                raise RecordChanged(record.customer_id) from None
            except Exception as error:
                if getattr(error, "status_code", None) == 412:
                    raise RecordChanged(record.customer_id) from None
                raise
        return record.model_copy(update={"version": metadata["etag"]})

    # -- reads --------------------------------------------------------------------------------

    def get(self, channel_id: str, customer_id: str) -> CustomerRecord | None:
        with translate_storage_errors():
            try:
                entity = self._table.get_entity(channel_id, customer_row(customer_id))
            except ResourceNotFoundError:
                return None
        return _record_from(entity)

    def addresses(self, channel_id: str, customer_id: str) -> list[Address]:
        prefix = f"address|{customer_id}|"
        with translate_storage_errors():
            rows = list(
                self._table.query_entities(
                    _range_filter(),
                    parameters={
                        "pk": channel_id,
                        "start": prefix,
                        "end": prefix[:-1] + "}",
                    },
                )
            )
        return [
            Address.model_validate(
                {**json.loads(row["Data"]), "syncStatus": row["SyncStatus"]}
            )
            for row in rows
        ]

    def customer_id_for_idempotency_key(
        self, channel_id: str, idempotency_key: str
    ) -> str | None:
        with translate_storage_errors():
            try:
                entity = self._table.get_entity(
                    channel_id, idempotency_row(idempotency_key)
                )
            except ResourceNotFoundError:
                return None
        return str(entity["CustomerId"])

    def pending_entries(self, channel_id: str) -> Iterator[PendingEntry]:
        """The channel's pending index: only rows still to sync are read, never all customers."""
        with translate_storage_errors():
            rows = self._table.query_entities(
                _range_filter(),
                parameters={
                    "pk": channel_id,
                    "start": PENDING_PREFIX,
                    "end": PENDING_PREFIX[:-1] + "}",
                },
            )
            for row in rows:
                yield PendingEntry(
                    channel_id=channel_id,
                    customer_id=row["CustomerId"],
                    address_id=row.get("AddressId") or None,
                    pending_since=row["PendingSince"],
                )


def _customer_entity(record: CustomerRecord) -> dict[str, Any]:
    return {
        "PartitionKey": record.channel_id,
        "RowKey": customer_row(record.customer_id),
        "CustomerId": record.customer_id,
        "Profile": record.profile.model_dump_json(by_alias=True),
        "SyncStatus": record.sync_status.value,
        "CreationMode": record.creation_mode.value,
        "FallbackReason": record.fallback_reason.value
        if record.fallback_reason
        else "",
        "AccountNumber": record.account_number or "",
        "CreatedAt": record.created_at,
        "SyncedAt": record.synced_at,
        "RequestFingerprint": record.request_fingerprint,
    }


def _record_from(entity: Any) -> CustomerRecord:
    return CustomerRecord(
        customer_id=entity["CustomerId"],
        channel_id=entity["PartitionKey"],
        profile=CustomerProfile.model_validate_json(entity["Profile"]),
        sync_status=SyncStatus(entity["SyncStatus"]),
        creation_mode=CreationMode(entity["CreationMode"]),
        fallback_reason=FallbackReason(entity["FallbackReason"])
        if entity.get("FallbackReason")
        else None,
        account_number=entity.get("AccountNumber") or None,
        created_at=_utc(entity["CreatedAt"]),
        synced_at=_utc(entity["SyncedAt"]) if entity.get("SyncedAt") else None,
        request_fingerprint=entity.get("RequestFingerprint", ""),
        version=entity.metadata["etag"],
    )


def _address_entity(record: CustomerRecord, address: Address) -> dict[str, Any]:
    return {
        "PartitionKey": record.channel_id,
        "RowKey": address_row(record.customer_id, address.address_id),
        "CustomerId": record.customer_id,
        "AddressId": address.address_id,
        "Data": address.model_dump_json(by_alias=True, exclude={"sync_status"}),
        "SyncStatus": address.sync_status.value,
    }


def _pending_entity(record: CustomerRecord, address_id: str | None) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": record.channel_id,
        "RowKey": pending_row(record.customer_id, address_id),
        "CustomerId": record.customer_id,
        "PendingSince": record.created_at,
    }
    if address_id:
        entity["AddressId"] = address_id
    return entity


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

"""The channel's customer table: customers, addresses and sync operations, one partition per channel.

A channel's customers, their addresses and their pending sync operations share one partition, so
every state change is a single entity-group transaction: a customer is never stored without its
pending operation, an operation never completes while its record says otherwise.

Its rows and their keys are named in `shared/storage/channel_rows.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.address import Address
from shared.domain.consent import ConsentChange, ConsentReason, legacy_contact
from shared.domain.customer import CustomerRecord
from shared.domain.operations import (
    OperationRef,
    OperationState,
    SyncOperation,
    edit_target,
    new_operation,
)
from shared.domain.profile import CustomerProfile
from shared.domain.search import SearchTerm
from shared.domain.values import CreationMode, FallbackReason, SyncStatus
from shared.optimistic import retry_on_conflict
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.channel_rows import (
    CUSTOMERS_TABLE,
    RowFamily,
    address_prefix,
    address_row,
    consent_prefix,
    consent_row,
    converted_range,
    converted_row,
    customer_row,
    done_row,
    idempotency_row,
    pending_range,
    pending_row,
)
from shared.storage.long_text import long_text, read_long_text
from shared.storage.ports import RecordChanged, RowAlreadyExists
from shared.storage.search_index import pending_search_entities
from shared.storage.tables import KEY_RANGE_QUERY, MAX_TRANSACTION_OPERATIONS, in_transactions, key_after

_REPLACE_IF_UNCHANGED = {"mode": UpdateMode.REPLACE, "match_condition": MatchConditions.IfNotModified}
CONSENT_COLUMNS = ("Contact", "Value", "Reason", "MarketingConsent", "ChannelId", "ChangedAt")


def _suffix(row: Any, prefix: str) -> str:
    return str(row["RowKey"])[len(prefix) :]


def _consent_entity(record: CustomerRecord, change: ConsentChange, position: int) -> dict[str, Any]:
    return {
        "PartitionKey": record.channel_id,
        "RowKey": consent_row(record.customer_id, change.changed_at, position),
        "Contact": change.contact,
        "Value": change.value,
        "Reason": change.reason.value if change.reason else None,
        "MarketingConsent": change.marketing_consent,
        "ChannelId": change.channel_id,
        "ChangedAt": change.changed_at,
    }


class ChannelCustomerTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    @property
    def _table(self) -> TableClient:
        return self._account.table(CUSTOMERS_TABLE)

    def _submit(self, operations: list[Any]) -> list[Any]:
        """Runs one entity-group transaction; a conflict or stale ETag becomes a domain signal."""
        with translate_storage_errors():
            try:
                return list(self._table.submit_transaction(operations))
            except TableTransactionError as error:
                if error.status_code == 409:
                    raise RowAlreadyExists(str(error.message)) from None
                if error.status_code in (404, 412):
                    raise RecordChanged(str(error.message)) from None
                raise

    # -- customers ----------------------------------------------------------------------------

    def insert_new(
        self,
        record: CustomerRecord,
        addresses: list[Address],
        *,
        idempotency_key: str | None = None,
        search_terms: Iterable[SearchTerm] = (),
        sort_key: str = "",
        consents: Iterable[ConsentChange] = (),
    ) -> CustomerRecord:
        """Writes a new customer, its addresses, their pending operations, its consent history and
        its search entries in its channel in one transaction: one round trip, and all or nothing."""
        customer = OperationRef(record.channel_id, record.customer_id)
        operations: list[Any] = [("create", _customer_entity(record))]
        operations += [
            ("create", _consent_entity(record, change, position)) for position, change in enumerate(consents)
        ]
        if record.is_pending:
            operations.append(("create", _pending_entity(customer, record.created_at)))
        for address in addresses:
            operations.append(("create", _address_entity(record, address)))
            if address.sync_status is SyncStatus.PENDING:
                target = OperationRef(record.channel_id, record.customer_id, address.address_id)
                operations.append(("create", _pending_entity(target, record.created_at)))
        if idempotency_key is not None:
            operations.append(
                (
                    "create",
                    {
                        "PartitionKey": record.channel_id,
                        "RowKey": idempotency_row(idempotency_key),
                        "CustomerId": record.customer_id,
                    },
                )
            )
        entries = [
            ("upsert", entity, {"mode": UpdateMode.REPLACE})
            for entity in pending_search_entities(
                record.channel_id, record.customer_id, search_terms, sort_key
            )
        ]
        if len(operations) + len(entries) > MAX_TRANSACTION_OPERATIONS:
            # Rare (20 addresses and an organization's long name): the entries go just before, as
            # search entries always may, since every hit is checked against the record.
            for transaction in in_transactions(entries):
                self._submit(transaction)
            entries = []
        results = self._submit(operations + entries)
        return record.model_copy(update={"version": results[0]["etag"]})

    def mark_synced(
        self,
        record: CustomerRecord,
        *,
        account_number: str,
        synced_at: datetime,
        operation: SyncOperation,
        pending_terms: Iterable[SearchTerm] = (),
        sort_key: str = "",
        linked_to_existing: bool = False,
    ) -> CustomerRecord:
        """Records the account number and completes the create operation, atomically, dropping the
        customer's pending search entries in the same transaction (one round trip for all three)."""
        synced = record.synced(account_number, synced_at, linked=linked_to_existing)
        ref = OperationRef(record.channel_id, record.customer_id)
        operations: list[Any] = [
            ("update", _customer_entity(synced), {**_REPLACE_IF_UNCHANGED, "etag": record.version}),
            *self._completion(ref, operation, synced_at),
            (
                "upsert",
                {
                    "PartitionKey": record.channel_id,
                    "RowKey": converted_row(synced_at, record.customer_id),
                    "ConvertedAt": synced_at,
                },
                {"mode": UpdateMode.REPLACE},
            ),
        ]
        entries = [
            {"PartitionKey": entity["PartitionKey"], "RowKey": entity["RowKey"]}
            for entity in pending_search_entities(
                record.channel_id, record.customer_id, pending_terms, sort_key
            )
        ]
        if entries and len(operations) + len(entries) <= MAX_TRANSACTION_OPERATIONS:
            try:
                results = self._submit(operations + [("delete", keys) for keys in entries])
                return synced.model_copy(update={"version": results[0]["etag"]})
            except RecordChanged:
                # A missing entry fails the whole transaction too (a customer indexed by an earlier
                # version): without the entries, the record alone decides whether it changed.
                pass
        results = self._submit(operations)
        with translate_storage_errors():
            for keys in entries:  # deleting an entry that is gone already is not an error
                self._table.delete_entity(keys["PartitionKey"], keys["RowKey"])
        return synced.model_copy(update={"version": results[0]["etag"]})

    def record_fallback(self, record: CustomerRecord, reason: FallbackReason) -> CustomerRecord:
        """A sync create that HQ could not serve becomes an async one, and says why."""
        changed = record.fell_back(reason)
        results = self._submit(
            [("update", _customer_entity(changed), {**_REPLACE_IF_UNCHANGED, "etag": record.version})]
        )
        return changed.model_copy(update={"version": results[0]["etag"]})

    def save_edit(
        self,
        record: CustomerRecord,
        profile: CustomerProfile,
        *,
        at: datetime,
        consents: Iterable[ConsentChange] = (),
    ) -> tuple[CustomerRecord, OperationRef]:
        """Applies an edit to the channel record, queues its replay on HQ and appends the consents
        it changed, in one transaction."""
        edited = record.edited(profile)
        ref = OperationRef(record.channel_id, record.customer_id, edit_target(edited.edit_count))
        pending = _pending_entity(ref, at)
        results = self._submit(
            [
                ("update", _customer_entity(edited), {**_REPLACE_IF_UNCHANGED, "etag": record.version}),
                ("create", pending),
                *(
                    ("create", _consent_entity(record, change, position))
                    for position, change in enumerate(consents)
                ),
            ]
        )
        return edited.model_copy(update={"version": results[0]["etag"]}), ref

    def update_record(self, record: CustomerRecord) -> CustomerRecord:
        """Replaces the customer row if it is still at `record.version`: a merge's bookkeeping
        (`merged_into`, `merged_account_numbers`), never a profile change, which is an edit."""
        results = self._submit(
            [("update", _customer_entity(record), {**_REPLACE_IF_UNCHANGED, "etag": record.version})]
        )
        return record.model_copy(update={"version": results[0]["etag"]})

    def get(self, channel_id: str, customer_id: str) -> CustomerRecord | None:
        with translate_storage_errors():
            try:
                entity = self._table.get_entity(channel_id, customer_row(customer_id))
            except ResourceNotFoundError:
                return None
        return _record_from(entity)

    def customer_id_for_idempotency_key(self, channel_id: str, idempotency_key: str) -> str | None:
        with translate_storage_errors():
            try:
                entity = self._table.get_entity(channel_id, idempotency_row(idempotency_key))
            except ResourceNotFoundError:
                return None
        return str(entity["CustomerId"])

    # -- addresses ----------------------------------------------------------------------------

    def add_address(self, record: CustomerRecord, address: Address, *, at: datetime) -> SyncOperation:
        """Writes a pending address and its sync operation together; returns the operation."""
        operation = new_operation(OperationRef(record.channel_id, record.customer_id, address.address_id), at)
        self._submit(
            [
                ("create", _address_entity(record, address)),
                ("create", _operation_entity(operation, pending_row(operation.ref))),
            ]
        )
        return operation

    def adopt_addresses(self, record: CustomerRecord, addresses: list[Address]) -> None:
        """Adds addresses HQ already holds (linked or merged in) to a synced customer: no sync
        operation, and keyed by their ids, so adopting them again changes nothing."""
        synced = [address.model_copy(update={"sync_status": SyncStatus.SYNCED}) for address in addresses]
        rows: list[Any] = [
            ("upsert", _address_entity(record, address), {"mode": UpdateMode.REPLACE}) for address in synced
        ]
        for transaction in in_transactions(rows):
            self._submit(transaction)

    def remove_address(self, ref: OperationRef) -> None:
        """Takes back an address whose synchronous HQ write failed, with its pending operation."""
        assert ref.target is not None
        self._submit(
            [
                (
                    "delete",
                    {"PartitionKey": ref.channel_id, "RowKey": address_row(ref.customer_id, ref.target)},
                ),
                ("delete", {"PartitionKey": ref.channel_id, "RowKey": pending_row(ref)}),
            ]
        )

    def addresses(
        self, channel_id: str, customer_id: str, *, after: str | None = None, limit: int | None = None
    ) -> list[Address]:
        """A customer's addresses in the order they were added (their ids sort by time), from
        just after the address `after`, at most `limit` of them."""
        prefix = address_prefix(customer_id)
        start = prefix + after + "\x00" if after else prefix
        rows = self._range(channel_id, start, end=key_after(prefix), limit=limit)
        return [
            Address.model_validate({**json.loads(row["Data"]), "syncStatus": row["SyncStatus"]})
            for row in rows
        ]

    def address_count(self, channel_id: str, customer_id: str) -> int:
        """Reads keys only: a thousand addresses cost one round trip."""
        prefix = address_prefix(customer_id)
        with translate_storage_errors():
            rows = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": channel_id, "start": prefix, "end": key_after(prefix)},
                select=["RowKey"],
                results_per_page=1000,
            )
            return sum(1 for _ in rows)

    def address(self, channel_id: str, customer_id: str, address_id: str) -> Address | None:
        with translate_storage_errors():
            try:
                row = self._table.get_entity(channel_id, address_row(customer_id, address_id))
            except ResourceNotFoundError:
                return None
        return Address.model_validate({**json.loads(row["Data"]), "syncStatus": row["SyncStatus"]})

    def consents(
        self, channel_id: str, customer_id: str, *, after: str | None = None, limit: int
    ) -> list[tuple[str, ConsentChange]]:
        """The customer's consent history, newest first, each change with its position for paging."""
        prefix = consent_prefix(customer_id)
        rows = self._range(
            channel_id, prefix + after + "\x00" if after else prefix, end=key_after(prefix), limit=limit
        )
        return [
            (
                str(row["RowKey"])[len(prefix) :],
                ConsentChange(
                    contact=legacy_contact(str(row["Contact"])),
                    value=row.get("Value"),
                    reason=ConsentReason(row["Reason"]) if row.get("Reason") else None,
                    marketing_consent=bool(row["MarketingConsent"]),
                    channel_id=row["ChannelId"],
                    changed_at=_utc(row["ChangedAt"]),
                ),
            )
            for row in rows
        ]

    def copy_consents(self, source: CustomerRecord, *, channel_id: str, customer_id: str) -> int:
        """Copies `source`'s consent history into the customer `customer_id` of `channel_id`, every
        entry as it was (its contact, value, channel, time and reason), so both histories read
        through the survivor of a merge or a link. A copy's key names its source, so copying again
        writes the same rows."""
        prefix = consent_prefix(source.customer_id)
        rows = self._range(source.channel_id, prefix, end=key_after(prefix))
        copies = [
            {
                "PartitionKey": channel_id,
                "RowKey": f"{consent_prefix(customer_id)}{_suffix(row, prefix)}|{source.customer_id}",
                **{name: row[name] for name in CONSENT_COLUMNS if row.get(name) is not None},
                "CopiedFrom": source.customer_id,
            }
            for row in rows
        ]
        for transaction in in_transactions(
            [("upsert", copy, {"mode": UpdateMode.REPLACE}) for copy in copies]
        ):
            self._submit(transaction)
        return len(copies)

    # -- sync operations ----------------------------------------------------------------------

    def complete_operation(self, operation: SyncOperation, *, at: datetime) -> None:
        """Marks an address or edit operation done (and the address synced), atomically."""
        ref = operation.ref
        steps = self._completion(ref, operation, at)
        if operation.address_id:
            steps.insert(
                0,
                (
                    "update",
                    {
                        "PartitionKey": ref.channel_id,
                        "RowKey": address_row(ref.customer_id, operation.address_id),
                        "SyncStatus": SyncStatus.SYNCED.value,
                    },
                    {"mode": UpdateMode.MERGE},
                ),
            )
        self._submit(steps)

    def _completion(self, ref: OperationRef, operation: SyncOperation, at: datetime) -> list[Any]:
        done = _operation_entity(operation.completed(at), done_row(ref))
        return [
            ("delete", {"PartitionKey": ref.channel_id, "RowKey": pending_row(ref)}),
            ("upsert", done, {"mode": UpdateMode.REPLACE}),
        ]

    def record_failure(self, operation: SyncOperation, *, error: str, at: datetime) -> None:
        """Counts a failed attempt on a pending operation (best effort: the attempt failed anyway)."""
        retry_on_conflict(
            lambda: self._record_failure_once(operation.ref, error=error, at=at),
            conflicts=(ResourceModifiedError, ResourceNotFoundError),
            exhausted=lambda: None,
        )

    def _record_failure_once(self, ref: OperationRef, *, error: str, at: datetime) -> None:
        with translate_storage_errors():
            try:
                row = self._table.get_entity(ref.channel_id, pending_row(ref))
            except ResourceNotFoundError:
                return  # completed meanwhile: nothing left to count
            failed = _operation_from(row).failed(error, at)
            self._table.update_entity(
                _operation_entity(failed, pending_row(ref)),
                mode=UpdateMode.REPLACE,
                etag=row.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )

    def mark_for_retry(self, operation: SyncOperation) -> None:
        ref = operation.ref
        with translate_storage_errors():
            try:
                self._table.update_entity(
                    {
                        "PartitionKey": ref.channel_id,
                        "RowKey": pending_row(ref),
                        "State": OperationState.PENDING.value,
                    },
                    mode=UpdateMode.MERGE,
                )
            except ResourceNotFoundError:
                raise RecordChanged(ref.operation_id) from None

    def operation(self, ref: OperationRef) -> SyncOperation | None:
        for row_key in (pending_row(ref), done_row(ref)):
            with translate_storage_errors():
                try:
                    return _operation_from(self._table.get_entity(ref.channel_id, row_key))
                except ResourceNotFoundError:
                    continue
        return None

    def pending_operations(self, channel_id: str, customer_id: str | None = None) -> list[SyncOperation]:
        """The pending index: only operations still to do are read, never all customers."""
        start, end = pending_range(customer_id)
        rows = self._range(channel_id, start, end=end)
        return [_operation_from(row) for row in rows]

    def completed_operations(self, channel_id: str, *, limit: int) -> list[SyncOperation]:
        rows = self._range(channel_id, RowFamily.DONE.prefix, limit=limit)
        return [_operation_from(row) for row in rows]

    def conversions_since(self, channel_id: str, since: datetime) -> list[datetime]:
        """When the channel's customers converted since `since`: one range of the conversion log,
        as long as the window, whatever the channel's history."""
        with translate_storage_errors():
            start, end = converted_range(since)
            rows = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": channel_id, "start": start, "end": end},
                select=["ConvertedAt"],
                results_per_page=1000,
            )
            return [_utc(row["ConvertedAt"]) for row in rows]

    def _range(
        self, channel_id: str, prefix: str, *, end: str | None = None, limit: int | None = None
    ) -> list[Any]:
        with translate_storage_errors():
            rows: Iterator[Any] = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": channel_id, "start": prefix, "end": end or key_after(prefix)},
                results_per_page=min(limit, 1000) if limit else None,
            )
            found = []
            for row in rows:
                found.append(row)
                if limit is not None and len(found) >= limit:
                    break
            return found


def _customer_entity(record: CustomerRecord) -> dict[str, Any]:
    return {
        "PartitionKey": record.channel_id,
        "RowKey": customer_row(record.customer_id),
        "CustomerId": record.customer_id,
        **long_text("Profile", record.profile.model_dump_json(by_alias=True)),
        "SyncStatus": record.sync_status.value,
        "CreationMode": record.creation_mode.value,
        "FallbackReason": record.fallback_reason.value if record.fallback_reason else "",
        "AccountNumber": record.account_number or "",
        "CreatedAt": record.created_at,
        "SyncedAt": record.synced_at,
        "RequestFingerprint": record.request_fingerprint,
        "EditCount": record.edit_count,
        "LinkedToExisting": record.linked_to_existing,
        "MergedInto": record.merged_into or "",
        "MergedAccountNumbers": ",".join(record.merged_account_numbers),
    }


def _record_from(entity: Any) -> CustomerRecord:
    return CustomerRecord(
        customer_id=entity["CustomerId"],
        channel_id=entity["PartitionKey"],
        profile=CustomerProfile.model_validate_json(read_long_text(entity, "Profile")),
        sync_status=SyncStatus(entity["SyncStatus"]),
        creation_mode=CreationMode(entity["CreationMode"]),
        fallback_reason=FallbackReason(entity["FallbackReason"]) if entity.get("FallbackReason") else None,
        account_number=entity.get("AccountNumber") or None,
        created_at=_utc(entity["CreatedAt"]),
        synced_at=_utc(entity["SyncedAt"]) if entity.get("SyncedAt") else None,
        request_fingerprint=entity.get("RequestFingerprint", ""),
        edit_count=int(entity.get("EditCount") or 0),
        version=entity.metadata["etag"],
        linked_to_existing=bool(entity.get("LinkedToExisting") or False),
        merged_into=entity.get("MergedInto") or None,
        merged_account_numbers=[n for n in str(entity.get("MergedAccountNumbers") or "").split(",") if n],
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


def _pending_entity(ref: OperationRef, at: datetime) -> dict[str, Any]:
    return _operation_entity(new_operation(ref, at), pending_row(ref))


def _operation_entity(operation: SyncOperation, row_key: str) -> dict[str, Any]:
    return {
        "PartitionKey": operation.channel_id,
        "RowKey": row_key,
        "OperationId": operation.operation_id,
        "Kind": operation.kind.value,
        "State": operation.state.value,
        "CustomerId": operation.customer_id,
        "AddressId": operation.address_id or "",
        "EditSequence": operation.edit_sequence or 0,
        "Attempts": operation.attempts,
        "LastError": operation.last_error or "",
        "CreatedAt": operation.created_at,
        "LastAttemptAt": operation.last_attempt_at,
        "CompletedAt": operation.completed_at,
    }


def _operation_from(row: Any) -> SyncOperation:
    return SyncOperation(
        operation_id=row["OperationId"],
        kind=row["Kind"],
        state=row["State"],
        channel_id=row["PartitionKey"],
        customer_id=row["CustomerId"],
        address_id=row.get("AddressId") or None,
        edit_sequence=row.get("EditSequence") or None,
        attempts=int(row.get("Attempts") or 0),
        last_error=row.get("LastError") or None,
        created_at=_utc(row["CreatedAt"]),
        last_attempt_at=_utc(row["LastAttemptAt"]) if row.get("LastAttemptAt") else None,
        completed_at=_utc(row["CompletedAt"]) if row.get("CompletedAt") else None,
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

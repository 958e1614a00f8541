"""The channel's customer table: the unit of work of a channel's customers, and its reads.

A channel's customers and everything about them share one partition, so the changes a transition
answers (`shared/domain/changes.py`) are committed here as one entity-group transaction: a customer
is never stored without its pending operation, an operation never completes while its record says
otherwise. Rows and their keys are named in `shared/storage/channel_rows.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.address import Address
from shared.domain.changes import (
    AddressAdded,
    AddressKept,
    AddressRemoved,
    AddressSynced,
    Changes,
    ConsentAppended,
    ConsentCopied,
    ConversionLogged,
    EventsPublished,
    EventsToPublish,
    IdempotencyKeyKept,
    OperationClosed,
    OperationDropped,
    OperationOpened,
    OperationUpdated,
    RowChange,
    SearchEntries,
    SearchEntriesAdded,
)
from shared.domain.consent import ConsentChange, ConsentReason, legacy_contact
from shared.domain.customer import CustomerChanges, CustomerRecord
from shared.domain.operations import OperationRef, SyncOperation
from shared.domain.profile import CustomerProfile
from shared.domain.values import CreationMode, FallbackReason, SyncStatus
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.channel_rows import (
    CUSTOMERS_TABLE,
    ERASURE_OF,
    Erasure,
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
    publish_row,
)
from shared.storage.long_text import long_text, read_long_text
from shared.storage.ports import RecordChanged, RowAlreadyExists
from shared.storage.search_index import pending_search_entities
from shared.storage.tables import (
    KEY_RANGE_QUERY,
    MAX_TRANSACTION_OPERATIONS,
    delete_found,
    in_transactions,
    key_after,
)

_REPLACE = {"mode": UpdateMode.REPLACE}
_REPLACE_IF_UNCHANGED = {**_REPLACE, "match_condition": MatchConditions.IfNotModified}


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

    # -- changes ------------------------------------------------------------------------------

    def save(self, changes: CustomerChanges) -> CustomerRecord:
        """Commits a transition of a customer; answers the customer as stored, with its new ETag."""
        version = self._commit(changes)
        assert version is not None
        return changes.record.model_copy(update={"version": version})

    def commit(self, changes: Changes) -> None:
        """Commits row changes that leave the customer row as it is."""
        self._commit(changes)

    def _commit(self, changes: Changes) -> str | None:
        """One entity-group transaction, with what Azure needs around it:
        - search entries travel with the change when they fit in it; beyond 100 operations (rare:
          20 addresses and an organization's long name) new entries go just before, as they always
          may, since every hit is checked against the record;
        - entries to drop that are missing (a customer indexed by an earlier version) fail the whole
          transaction: it is made again without them, and they are deleted one by one after;
        - idempotent copies (kept addresses, copied consents) beyond 100 go in several transactions.
        Answers the customer row's new ETag when the changes hold it."""
        core, added, dropped = table_operations(changes)
        has_record = isinstance(changes, CustomerChanges)
        if len(core) > MAX_TRANSACTION_OPERATIONS:
            if has_record or any(operation[0] != "upsert" for operation in core):
                raise ValueError(f"{len(core)} changes cannot be one transaction")
            for transaction in in_transactions(core):
                self._submit(transaction)
            return None
        if len(core) + len(added) > MAX_TRANSACTION_OPERATIONS:
            for transaction in in_transactions(added):
                self._submit(transaction)
            added = []
        if dropped and len(core) + len(dropped) <= MAX_TRANSACTION_OPERATIONS:
            try:
                results = self._submit(core + added + dropped)
                return results[0]["etag"] if has_record else None
            except RecordChanged:
                pass  # without the entries, the record alone decides whether it changed
        results = self._submit(core + added) if core or added else []
        with translate_storage_errors():
            for _, keys in dropped:  # deleting an entry that is gone already is not an error
                self._table.delete_entity(keys["PartitionKey"], keys["RowKey"])
        return results[0]["etag"] if has_record else None

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

    # -- reads --------------------------------------------------------------------------------

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
        self, channel_id: str, customer_id: str, *, after: str | None = None, limit: int | None = None
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
                    changed_at=utc(row["ChangedAt"]),
                ),
            )
            for row in rows
        ]

    def operation(self, ref: OperationRef) -> SyncOperation | None:
        for row_key in (pending_row(ref), done_row(ref)):
            with translate_storage_errors():
                try:
                    return operation_from_row(self._table.get_entity(ref.channel_id, row_key))
                except ResourceNotFoundError:
                    continue
        return None

    def erase_rows(self, channel_id: str, customer_id: str) -> dict[str, int]:
        """Deletes the customer's rows of every family `ERASURE_OF` says to delete; answers how many of
        each. Families keyed by the customer are ranges; the conversion log and the pending search
        entries, keyed by time and term, are read whole and kept by their last part, the GUID."""
        removed: dict[str, int] = {}
        for family in RowFamily:
            if ERASURE_OF[family] is not Erasure.DELETE:
                continue
            if family in (RowFamily.CONVERTED, RowFamily.SEARCH):
                rows = [
                    row
                    for row in self._range(channel_id, family.prefix)
                    if str(row["RowKey"]).endswith(f"|{customer_id}")
                ]
            else:
                start = f"{family.prefix}{customer_id}"
                rows = self._range(channel_id, start, end=start + "}")
            with translate_storage_errors():
                removed[family.value] = delete_found(self._table, channel_id, rows)
        return removed

    def prune_history(self, channel_id: str, family: RowFamily, *, before: datetime, limit: int) -> int:
        """Deletes up to `limit` rows of a history family older than `before`: the conversion log by
        its key (newest first, so the old ones are one range), completed operations by when they
        completed, Idempotency-Key rows by when they were written. Answers how many went."""
        parameters: dict[str, Any] = {
            "pk": channel_id,
            "start": family.prefix,
            "end": key_after(family.prefix),
        }
        if family is RowFamily.CONVERTED:
            newest, oldest = converted_range(before)
            query, parameters["start"], parameters["end"] = KEY_RANGE_QUERY, oldest, key_after(newest)
        elif family is RowFamily.DONE:
            query, parameters["before"] = KEY_RANGE_QUERY + " and CompletedAt lt @before", before
        elif family is RowFamily.IDEMPOTENCY:
            query, parameters["before"] = KEY_RANGE_QUERY + " and Timestamp lt @before", before
        else:
            raise ValueError(f"{family.value} rows are not history")
        with translate_storage_errors():
            rows = self._table.query_entities(
                query, parameters=parameters, select=["RowKey"], results_per_page=100
            )
            return delete_found(self._table, channel_id, rows, limit=limit)

    def operation_history(self, channel_id: str, customer_id: str) -> list[SyncOperation]:
        """The customer's sync operations, still to do and done (its own, its addresses', its edits')."""
        rows = []
        for family in (RowFamily.PENDING, RowFamily.DONE):
            start = f"{family.prefix}{customer_id}"
            rows += self._range(channel_id, start, end=start + "}")
        return [operation_from_row(row) for row in rows]

    def events_to_publish(self, channel_id: str, *, limit: int = 100) -> list[tuple[str, str]]:
        """Accounts marked in this channel as having events to publish, each with its mark's version."""
        rows = self._range(channel_id, RowFamily.PUBLISH.prefix, limit=limit)
        return [
            (str(row["RowKey"]).removeprefix(RowFamily.PUBLISH.prefix), row.metadata["etag"]) for row in rows
        ]

    def publish_mark(self, channel_id: str, account_number: str) -> str | None:
        """The version of the account's mark in this channel, if it is marked."""
        with translate_storage_errors():
            try:
                row = self._table.get_entity(channel_id, publish_row(account_number), select=["RowKey"])
            except ResourceNotFoundError:
                return None
        return str(row.metadata["etag"])

    def pending_operations(self, channel_id: str, customer_id: str | None = None) -> list[SyncOperation]:
        """The pending index: only operations still to do are read, never all customers."""
        start, end = pending_range(customer_id)
        rows = self._range(channel_id, start, end=end)
        return [operation_from_row(row) for row in rows]

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
        "ErasedAt": record.erased_at,
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
        created_at=utc(entity["CreatedAt"]),
        synced_at=utc(entity["SyncedAt"]) if entity.get("SyncedAt") else None,
        request_fingerprint=entity.get("RequestFingerprint", ""),
        edit_count=int(entity.get("EditCount") or 0),
        version=entity.metadata["etag"],
        linked_to_existing=bool(entity.get("LinkedToExisting") or False),
        merged_into=entity.get("MergedInto") or None,
        merged_account_numbers=[n for n in str(entity.get("MergedAccountNumbers") or "").split(",") if n],
        erased_at=utc(entity["ErasedAt"]) if entity.get("ErasedAt") else None,
    )


def table_operations(changes: Changes) -> tuple[list[Any], list[Any], list[Any]]:
    """The table operations of `changes`: the change itself (the customer row first), the search
    entries it adds and the ones it drops, which `_commit` may have to send apart."""
    partition = changes.channel_id
    core: list[Any] = []
    if isinstance(changes, CustomerChanges):
        entity = _customer_entity(changes.record)
        if changes.expected_version is None:
            core.append(("create", entity))
        else:
            core.append(("update", entity, {**_REPLACE_IF_UNCHANGED, "etag": changes.expected_version}))
    added: list[Any] = []
    dropped: list[Any] = []
    for row in changes.rows:
        if isinstance(row, SearchEntries):
            entities = pending_search_entities(partition, row.customer_id, row.terms, row.sort_key)
            if isinstance(row, SearchEntriesAdded):
                added += [("upsert", entity, _REPLACE) for entity in entities]
            else:
                dropped += [
                    ("delete", {key: entity[key] for key in ("PartitionKey", "RowKey")})
                    for entity in entities
                ]
        else:
            core += _operations(partition, row)
    return core, added, dropped


def _operations(partition: str, row: RowChange) -> list[Any]:
    """The table operations of one row change (search entries aside: see `_commit`)."""
    keys = {"PartitionKey": partition}
    match row:
        case AddressAdded(customer_id, address):
            return [("create", _address_entity(partition, customer_id, address))]
        case AddressKept(customer_id, address):
            return [("upsert", _address_entity(partition, customer_id, address), _REPLACE)]
        case AddressSynced(customer_id, address_id):
            synced = {**keys, "RowKey": address_row(customer_id, address_id), "SyncStatus": SyncStatus.SYNCED}
            return [("update", synced, {"mode": UpdateMode.MERGE})]
        case AddressRemoved(customer_id, address_id):
            return [("delete", {**keys, "RowKey": address_row(customer_id, address_id)})]
        case OperationOpened(operation):
            return [("create", _operation_entity(operation, pending_row(operation.ref)))]
        case OperationUpdated(operation, expected_version):
            condition = {**_REPLACE_IF_UNCHANGED, "etag": expected_version} if expected_version else _REPLACE
            return [("update", _operation_entity(operation, pending_row(operation.ref)), condition)]
        case OperationClosed(operation):
            return [
                ("delete", {**keys, "RowKey": pending_row(operation.ref)}),
                ("upsert", _operation_entity(operation, done_row(operation.ref)), _REPLACE),
            ]
        case OperationDropped(operation):
            return [("delete", {**keys, "RowKey": pending_row(operation.ref)})]
        case ConsentAppended(customer_id, change, position):
            row_key = consent_row(customer_id, change.changed_at, position)
            return [("create", {**keys, "RowKey": row_key, **_consent_columns(change)})]
        case ConsentCopied(customer_id, change, entry, copied_from):
            row_key = f"{consent_prefix(customer_id)}{entry}|{copied_from}"
            copy = {**keys, "RowKey": row_key, **_consent_columns(change), "CopiedFrom": copied_from}
            return [("upsert", copy, _REPLACE)]
        case IdempotencyKeyKept(idempotency_key, customer_id):
            return [
                ("create", {**keys, "RowKey": idempotency_row(idempotency_key), "CustomerId": customer_id})
            ]
        case ConversionLogged(customer_id, at):
            return [
                ("upsert", {**keys, "RowKey": converted_row(at, customer_id), "ConvertedAt": at}, _REPLACE)
            ]
        case EventsToPublish(account_number):
            return [("upsert", {**keys, "RowKey": publish_row(account_number)}, _REPLACE)]
        case EventsPublished(account_number, version):
            marked = {**keys, "RowKey": publish_row(account_number)}
            return [("delete", marked, {"etag": version, "match_condition": MatchConditions.IfNotModified})]
    raise TypeError(f"No table operation for {type(row).__name__}")


def _consent_columns(change: ConsentChange) -> dict[str, Any]:
    columns = {
        "Contact": change.contact,
        "Value": change.value,
        "Reason": change.reason.value if change.reason else None,
        "MarketingConsent": change.marketing_consent,
        "ChannelId": change.channel_id,
        "ChangedAt": change.changed_at,
    }
    return {name: value for name, value in columns.items() if value is not None}


def _address_entity(partition: str, customer_id: str, address: Address) -> dict[str, Any]:
    return {
        "PartitionKey": partition,
        "RowKey": address_row(customer_id, address.address_id),
        "CustomerId": customer_id,
        "AddressId": address.address_id,
        "Data": address.model_dump_json(by_alias=True, exclude={"sync_status"}),
        "SyncStatus": address.sync_status.value,
    }


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


def operation_from_row(row: Any) -> SyncOperation:
    return SyncOperation(
        version=row.metadata["etag"],
        operation_id=row["OperationId"],
        kind=row["Kind"],
        state=row["State"],
        channel_id=row["PartitionKey"],
        customer_id=row["CustomerId"],
        address_id=row.get("AddressId") or None,
        edit_sequence=row.get("EditSequence") or None,
        attempts=int(row.get("Attempts") or 0),
        last_error=row.get("LastError") or None,
        created_at=utc(row["CreatedAt"]),
        last_attempt_at=utc(row["LastAttemptAt"]) if row.get("LastAttemptAt") else None,
        completed_at=utc(row["CompletedAt"]) if row.get("CompletedAt") else None,
    )


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

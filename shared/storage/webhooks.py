"""Webhooks and their deliveries, in HQ's storage account, and the queue that drives deliveries.

Webhooks            PartitionKey "webhook", RowKey <webhookId>: URL, event types, and the secret
                    sealed with AES-GCM under `WEBHOOK_SECRETS_KEY`, so whoever reads the table
                    cannot sign (or read) with it
WebhookDeliveries   PartitionKey <webhookId>, RowKey <account>|<sequence, 12 digits>: one event's
                    delivery, and a copy of the event; `lease|<account>` keeps one dispatcher on
                    an account's deliveries at a time
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.domain.errors import HeadquartersUnavailable
from shared.domain.events import CustomerEvent, EventType
from shared.domain.webhooks import Delivery, DeliveryMessage, DeliveryStatus
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.event_columns import event_columns, event_of
from shared.storage.ports import StoredWebhook
from shared.storage.tables import delete_found

WEBHOOKS_TABLE = "Webhooks"
DELIVERIES_TABLE = "WebhookDeliveries"
DELIVERY_QUEUE = "customer-events"
WEBHOOK_PARTITION = "webhook"
LEASE_PREFIX = "lease|"
REMOVED_DELIVERIES = 20_000  # 200 transactions: a removal answers within seconds
DELIVERIES_PER_TRANSACTION = 20  # each holds its event: up to a customer's 64 KiB


def delivery_row(account_number: str, sequence: int) -> str:
    return f"{account_number}|{sequence:012d}"


class WebhookTables:
    def __init__(self, account: StorageAccount, *, secrets_key: str) -> None:
        self._account = account
        self._sealer = AESGCM(hashlib.sha256(secrets_key.encode()).digest())

    def _webhooks(self) -> TableClient:
        return self._account.table(WEBHOOKS_TABLE)

    def _deliveries(self) -> TableClient:
        return self._account.table(DELIVERIES_TABLE)

    # -- webhooks -------------------------------------------------------------------------------

    def add(self, webhook: StoredWebhook) -> None:
        nonce = os.urandom(12)
        sealed = self._sealer.encrypt(nonce, webhook.secret.encode(), webhook.webhook_id.encode())
        entity = {
            "PartitionKey": WEBHOOK_PARTITION,
            "RowKey": webhook.webhook_id,
            "Url": webhook.url,
            "EventTypes": json.dumps([kind.value for kind in webhook.event_types]),
            "CreatedAt": webhook.created_at,
            "SealedSecret": base64.b64encode(nonce + sealed).decode(),
        }
        with translate_storage_errors(HeadquartersUnavailable):
            self._webhooks().create_entity(entity)

    def get(self, webhook_id: str) -> StoredWebhook | None:
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                return self._webhook_from(self._webhooks().get_entity(WEBHOOK_PARTITION, webhook_id))
            except ResourceNotFoundError:
                return None

    def all(self) -> list[StoredWebhook]:
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._webhooks().query_entities(
                "PartitionKey eq @pk", parameters={"pk": WEBHOOK_PARTITION}
            )
            return [self._webhook_from(row) for row in rows]

    def remove(self, webhook_id: str) -> bool:
        """The webhook goes, then its deliveries (they hold customers' data): at most
        `REMOVED_DELIVERIES` at once; the timer no longer prunes a removed webhook's."""
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                self._webhooks().get_entity(WEBHOOK_PARTITION, webhook_id, select=["RowKey"])
            except ResourceNotFoundError:
                return False
            self._webhooks().delete_entity(WEBHOOK_PARTITION, webhook_id)
            table = self._deliveries()
            rows = table.query_entities(
                "PartitionKey eq @pk", parameters={"pk": webhook_id}, select=["RowKey"], results_per_page=1000
            )
            delete_found(table, webhook_id, rows, limit=REMOVED_DELIVERIES)
        return True

    def _webhook_from(self, row: Any) -> StoredWebhook:
        sealed = base64.b64decode(row["SealedSecret"])
        secret = self._sealer.decrypt(sealed[:12], sealed[12:], str(row["RowKey"]).encode()).decode()
        return StoredWebhook(
            str(row["RowKey"]),
            str(row["Url"]),
            [EventType(kind) for kind in json.loads(row["EventTypes"])],
            row["CreatedAt"],
            secret,
        )

    # -- deliveries ----------------------------------------------------------------------------

    def add_deliveries(
        self, webhook_id: str, events: Sequence[CustomerEvent], *, at: datetime, again: bool = False
    ) -> None:
        """One pending row per event. Added again (a publisher that stopped half-way), a delivery keeps
        where it stands; `again` (a replay) puts it back to pending with a fresh count."""
        rows = [
            {
                "PartitionKey": webhook_id,
                "RowKey": delivery_row(event.account_number, event.sequence),
                "PublishedAt": at,
                "UpdatedAt": at,
                "Status": DeliveryStatus.PENDING.value,
                "Attempts": 0,
                **event_columns(event.id, event.type, event.time, event.data),
            }
            for event in events
        ]
        table = self._deliveries()
        kind, options = ("upsert", {"mode": UpdateMode.REPLACE}) if again else ("create", {})
        with translate_storage_errors(HeadquartersUnavailable):
            for start in range(0, len(rows), DELIVERIES_PER_TRANSACTION):
                part = rows[start : start + DELIVERIES_PER_TRANSACTION]
                try:
                    table.submit_transaction([(kind, row, options) for row in part])
                except TableTransactionError as error:
                    if error.status_code != 409:
                        raise
                    for row in part:  # some were added before: add the others
                        with suppress(ResourceExistsError):
                            table.create_entity(row)

    def pending(
        self, webhook_id: str, account_number: str, *, limit: int
    ) -> list[tuple[Delivery, CustomerEvent, str]]:
        """The account's deliveries still to make, in sequence order, each with its event and version."""
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._deliveries().query_entities(
                "PartitionKey eq @pk and RowKey gt @start and RowKey lt @end",
                parameters={"pk": webhook_id, "start": f"{account_number}|", "end": f"{account_number}}}"},
                results_per_page=limit,
            )
            found = []
            for row in rows:
                delivery = _delivery_from(row)
                if delivery.status is DeliveryStatus.PENDING:
                    found.append((delivery, _event_from(row), str(row.metadata["etag"])))
                    if len(found) >= limit:
                        break
        return found

    def save_deliveries(self, webhook_id: str, deliveries: list[tuple[Delivery, str]]) -> bool:
        """Stores where each stands now, in one transaction, if nobody moved any since it was read;
        otherwise each that was not moved. False when one was (a replay put it back meanwhile)."""
        if not deliveries:
            return True
        operations = [
            ("update", _delivery_entity(webhook_id, delivery), {**_MERGE_IF_UNCHANGED, "etag": version})
            for delivery, version in deliveries
        ]
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                self._deliveries().submit_transaction(operations)
                return True
            except TableTransactionError as error:
                if error.status_code not in (404, 412):
                    raise
        saved = [
            self.save_delivery(webhook_id, delivery, version=version) for delivery, version in deliveries
        ]
        return all(saved)  # each one tried, whatever the others do

    def save_delivery(self, webhook_id: str, delivery: Delivery, *, version: str) -> bool:
        """Stores where it stands now, if nobody moved it since it was read."""
        entity = _delivery_entity(webhook_id, delivery)
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                self._deliveries().update_entity(entity, **_MERGE_IF_UNCHANGED, etag=version)
            except (ResourceModifiedError, ResourceNotFoundError):
                return False
        return True

    def deliveries(
        self, webhook_id: str, *, status: DeliveryStatus | None, after: str | None, limit: int
    ) -> list[tuple[str, Delivery]]:
        query = "PartitionKey eq @pk and RowKey gt @after and RowKey lt @end"
        parameters: dict[str, Any] = {"pk": webhook_id, "after": after or "", "end": LEASE_PREFIX}
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._deliveries().query_entities(query, parameters=parameters, results_per_page=200)
            found = []
            for row in rows:
                delivery = _delivery_from(row)
                if status is None or delivery.status is status:
                    found.append((str(row["RowKey"]), delivery))
                    if len(found) >= limit:
                        break
        return found

    def recent(self, webhook_id: str, *, since: datetime) -> list[Delivery]:
        """Deliveries published or attempted since `since`, and every one still to make: its health."""
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._deliveries().query_entities(
                "PartitionKey eq @pk and RowKey lt @end and ( UpdatedAt ge @since or Status eq @pending )",
                parameters={"pk": webhook_id, "end": LEASE_PREFIX, "since": since, "pending": "Pending"},
            )
            return [_delivery_from(row) for row in rows]

    def remove_account(self, webhook_id: str, account_number: str) -> int:
        """Deletes the webhook's deliveries of the account (an erasure: they hold the customer), but
        the erasure's own."""
        table = self._deliveries()
        with translate_storage_errors(HeadquartersUnavailable):
            rows = table.query_entities(
                "PartitionKey eq @pk and RowKey gt @start and RowKey lt @end and Type ne @erased",
                parameters={
                    "pk": webhook_id,
                    "start": f"{account_number}|",
                    "end": f"{account_number}}}",
                    "erased": EventType.ERASED.value,
                },
                select=["RowKey"],
            )
            return delete_found(table, webhook_id, rows)

    def prune(self, webhook_id: str, *, before: datetime, limit: int) -> int:
        """Drops up to `limit` deliveries made (or failed for good) before `before`; answers how many."""
        table = self._deliveries()
        with translate_storage_errors(HeadquartersUnavailable):
            rows = table.query_entities(
                "PartitionKey eq @pk and RowKey lt @end and Status ne @pending and UpdatedAt lt @before",
                parameters={"pk": webhook_id, "end": LEASE_PREFIX, "pending": "Pending", "before": before},
                select=["RowKey"],
                results_per_page=100,
            )
            return delete_found(table, webhook_id, rows, limit=limit)

    # -- one dispatcher per account ------------------------------------------------------------

    def lease(self, webhook_id: str, account_number: str, *, until: datetime, now: datetime) -> str | None:
        """Takes the account's deliveries for this webhook until `until`, unless another dispatcher
        holds them; answers the lease's version."""
        row_key = LEASE_PREFIX + account_number
        entity = {"PartitionKey": webhook_id, "RowKey": row_key, "LeasedUntil": until}
        table = self._deliveries()
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                return str(table.create_entity(entity)["etag"])
            except ResourceExistsError:
                pass
            current = table.get_entity(webhook_id, row_key)
            if current["LeasedUntil"] > now:
                return None
            try:
                metadata = table.update_entity(
                    entity,
                    mode=UpdateMode.REPLACE,
                    etag=current.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                return None
        return str(metadata["etag"])

    def release(self, webhook_id: str, account_number: str, *, version: str) -> None:
        with (
            translate_storage_errors(HeadquartersUnavailable),
            suppress(ResourceModifiedError, ResourceNotFoundError),
        ):
            self._deliveries().delete_entity(
                webhook_id,
                LEASE_PREFIX + account_number,
                etag=version,
                match_condition=MatchConditions.IfNotModified,
            )


_MERGE_IF_UNCHANGED: dict[str, Any] = {
    "mode": UpdateMode.MERGE,
    "match_condition": MatchConditions.IfNotModified,
}


def _delivery_entity(webhook_id: str, delivery: Delivery) -> dict[str, Any]:
    entity = {
        "PartitionKey": webhook_id,
        "RowKey": delivery_row(delivery.account_number, delivery.sequence),
        "Status": delivery.status.value,
        "Attempts": delivery.attempts,
        "FirstAttemptAt": delivery.first_attempt_at,
        "NextAttemptAt": delivery.next_attempt_at,
        "DeliveredAt": delivery.delivered_at,
        "LastError": delivery.last_error,
        "UpdatedAt": delivery.updated_at,
    }
    return {name: value for name, value in entity.items() if value is not None}


def _delivery_from(row: Any) -> Delivery:
    account, sequence = str(row["RowKey"]).rsplit("|", 1)
    return Delivery(
        event_id=row["EventId"],
        type=EventType(row["Type"]),
        account_number=account,
        sequence=int(sequence),
        status=DeliveryStatus(row.get("Status") or DeliveryStatus.PENDING.value),
        attempts=int(row.get("Attempts") or 0),
        first_attempt_at=row.get("FirstAttemptAt"),
        next_attempt_at=row.get("NextAttemptAt"),
        delivered_at=row.get("DeliveredAt"),
        last_error=row.get("LastError"),
        published_at=row["PublishedAt"],
        updated_at=row.get("UpdatedAt") or row["PublishedAt"],
    )


def _event_from(row: Any) -> CustomerEvent:
    account, sequence = str(row["RowKey"]).rsplit("|", 1)
    return event_of(row, account_number=account, sequence=int(sequence))


class EventDeliveryQueue:
    """`customer-events`: a message asks for one webhook's deliveries of one account to be made."""

    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def send(self, webhook_id: str, account_number: str, *, delay_seconds: int = 0) -> None:
        message = DeliveryMessage(webhook_id=webhook_id, account_number=account_number).to_json()
        with translate_storage_errors():
            self._account.queue(DELIVERY_QUEUE).send_message(
                message, visibility_timeout=delay_seconds or None
            )

"""HQ's outbox: each account's events, in the account's own partition of `HqCustomers`.

The master row counts the account's events (`EventSequence`); an event row is written in the same
entity-group transaction as the change it tells of (a new or edited master), or, for a change kept in
another table (an address, a card, a link, a merge), in one transaction with the count and a row
naming the change, so recording it twice finds it there. Rows of an account's partition:

  master                      the customer master and `EventSequence`
  event|<sequence, 12 digits> an event, as it will be published
  change|<change>             the change an event recorded on its own tells of
  publication                 how far the account's events are published, and who is publishing
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.errors import HeadquartersUnavailable
from shared.domain.events import CustomerEvent, EventType, NewEvent, Publication
from shared.optimistic import retry_on_conflict
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.event_columns import event_columns, event_of
from shared.storage.tables import delete_found

MASTER_TABLE = "HqCustomers"
MASTER_ROW = "master"
EVENT_PREFIX = "event|"
CHANGE_PREFIX = "change|"
PUBLICATION_ROW = "publication"


def event_row(sequence: int) -> str:
    return f"{EVENT_PREFIX}{sequence:012d}"


def change_row(change: str) -> str:
    return f"{CHANGE_PREFIX}{change}"


def event_entities(account_number: str, after: int, events: Sequence[NewEvent]) -> list[dict[str, Any]]:
    """The rows of `events`, numbered from `after + 1`."""
    rows: list[dict[str, Any]] = []
    for sequence, event in enumerate(events, start=after + 1):
        rows.append(
            {
                "PartitionKey": account_number,
                "RowKey": event_row(sequence),
                **event_columns(event.id, event.type, event.time, event.data),
            }
        )
        if event.change is not None:
            rows.append(
                {"PartitionKey": account_number, "RowKey": change_row(event.change), "Sequence": sequence}
            )
    return rows


def event_from(entity: Any) -> CustomerEvent:
    sequence = int(entity["RowKey"].removeprefix(EVENT_PREFIX))
    return event_of(entity, account_number=entity["PartitionKey"], sequence=sequence)


def submit_or_signal(table: TableClient, operations: list[Any]) -> None:
    """One transaction; a row that exists already or an ETag that moved is raised as the single
    call would raise it, so the callers' retries read alike."""
    try:
        table.submit_transaction(operations)
    except TableTransactionError as error:
        if error.status_code == 409:
            raise ResourceExistsError(str(error.message)) from None
        if error.status_code in (404, 412):
            raise ResourceModifiedError(str(error.message)) from None
        raise


class HeadquartersEvents:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def _table(self) -> TableClient:
        return self._account.table(MASTER_TABLE)

    def record(self, account_number: str, event: NewEvent) -> bool:
        """Records an event whose change is kept elsewhere; False when that change's event is recorded
        already (a retry after a crash)."""
        assert event.change is not None, "an event recorded on its own names its change"
        return retry_on_conflict(
            lambda: self._record_once(account_number, event),
            conflicts=(ResourceModifiedError,),
            exhausted=HeadquartersUnavailable(f"HQ customer {account_number} kept changing; retry"),
        )

    def _record_once(self, account_number: str, event: NewEvent) -> bool:
        assert event.change is not None
        table = self._table()
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                master = table.get_entity(account_number, MASTER_ROW, select=["EventSequence"])
            except ResourceNotFoundError:
                raise HeadquartersUnavailable(f"HQ customer {account_number} is not written yet") from None
            count = int(master.get("EventSequence") or 0)
            counted = {"PartitionKey": account_number, "RowKey": MASTER_ROW, "EventSequence": count + 1}
            condition = {"mode": UpdateMode.MERGE, "etag": master.metadata["etag"]}
            operations: list[Any] = [("update", counted, {**condition, "match_condition": _UNCHANGED})]
            operations += [("create", row) for row in event_entities(account_number, count, [event])]
            try:
                submit_or_signal(table, operations)
            except ResourceExistsError:
                return False  # the change's row is there: its event was recorded by an earlier attempt
        return True

    def after(self, account_number: str, sequence: int, *, limit: int = 100) -> list[CustomerEvent]:
        """The account's events after `sequence`, in order."""
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._table().query_entities(
                "PartitionKey eq @pk and RowKey gt @after and RowKey lt @end",
                parameters={"pk": account_number, "after": event_row(sequence), "end": "event}"},
                results_per_page=limit,
            )
            found = []
            for row in rows:
                found.append(event_from(row))
                if len(found) >= limit:
                    break
        return found

    def remove_events(self, account_number: str) -> int:
        """Deletes the account's event rows (an erasure: they hold the customer) but the erasure's
        own; the count on the master, the change rows and the publication stay, so the sequence goes on."""
        table = self._table()
        with translate_storage_errors(HeadquartersUnavailable):
            rows = table.query_entities(
                "PartitionKey eq @pk and RowKey gt @start and RowKey lt @end and Type ne @erased",
                parameters={
                    "pk": account_number,
                    "start": EVENT_PREFIX,
                    "end": "event}",
                    "erased": EventType.ERASED.value,
                },
                select=["RowKey"],
            )
            return delete_found(table, account_number, rows)

    def by_change(self, account_number: str, change: str) -> CustomerEvent | None:
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                pointer = self._table().get_entity(account_number, change_row(change))
                return event_from(
                    self._table().get_entity(account_number, event_row(int(pointer["Sequence"])))
                )
            except ResourceNotFoundError:
                return None

    def publication(self, account_number: str) -> Publication:
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                row = self._table().get_entity(account_number, PUBLICATION_ROW)
            except ResourceNotFoundError:
                return Publication(account_number, 0, None, None)
        return Publication(
            account_number, int(row.get("Published") or 0), row.get("LeasedUntil"), row.metadata["etag"]
        )

    def save_publication(self, publication: Publication) -> Publication | None:
        """Stores it if nobody changed it since it was read; None when somebody did."""
        entity = {
            "PartitionKey": publication.account_number,
            "RowKey": PUBLICATION_ROW,
            "Published": publication.published,
            "LeasedUntil": publication.leased_until,
        }
        table = self._table()
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                if publication.version is None:
                    metadata = table.create_entity(entity)
                else:
                    metadata = table.update_entity(
                        entity,
                        mode=UpdateMode.REPLACE,
                        etag=publication.version,
                        match_condition=_UNCHANGED,
                    )
            except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
                return None
        return Publication(
            publication.account_number, publication.published, publication.leased_until, metadata["etag"]
        )


_UNCHANGED = MatchConditions.IfNotModified

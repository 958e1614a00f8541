"""The channel's customer: its profile, where it stands in synchronization, and its life.

Every transition answers the row changes it makes, as one `CustomerChanges`; a service reads the
record, calls the transition and commits what it answers. So the rules of a customer's life (when it
is synced, what an edit records, what a merge leaves) are decided, and tested, here, without storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from shared.domain.address import Address
from shared.domain.changes import (
    AddressAdded,
    AddressKept,
    AddressRemoved,
    Changes,
    ConsentAppended,
    ConversionLogged,
    EventsToPublish,
    IdempotencyKeyKept,
    OperationClosed,
    OperationDropped,
    OperationOpened,
    RowChange,
    SearchEntriesAdded,
    SearchEntriesDropped,
)
from shared.domain.consent import ConsentReason, consent_changes
from shared.domain.errors import CustomerAlreadySynced
from shared.domain.operations import OperationRef, SyncOperation, edit_target, new_operation
from shared.domain.profile import CustomerProfile
from shared.domain.search import index_terms, sort_key
from shared.domain.values import CreationMode, FallbackReason, SyncStatus


class CustomerRecord(BaseModel):
    """The channel's copy of a customer: the profile plus where it stands in synchronization."""

    customer_id: str
    channel_id: str
    profile: CustomerProfile
    sync_status: SyncStatus
    creation_mode: CreationMode
    fallback_reason: FallbackReason | None = None
    account_number: str | None = None
    created_at: datetime
    synced_at: datetime | None = None
    request_fingerprint: str = ""
    edit_count: int = 0
    version: str | None = None
    # DUPLICATE_POLICY=link bound this customer to an HQ customer another record holds.
    linked_to_existing: bool = False
    # A merge folded this customer into the survivor with this account number.
    merged_into: str | None = None
    merged_account_numbers: list[str] = Field(default_factory=list)
    # A data subject request erased the person: the record stays as a tombstone without personal
    # data, so its GUID answers 410 and nothing brings it back.
    erased_at: datetime | None = None

    @property
    def is_pending(self) -> bool:
        return self.sync_status is SyncStatus.PENDING

    @property
    def redirects(self) -> bool:
        """Its changes belong to another record: the HQ customer it was linked or merged into."""
        return self.linked_to_existing or self.merged_into is not None

    # -- its life: created pending -> synced (its own HQ customer, or linked to one) -> merged ----

    def created(
        self, addresses: Iterable[Address] = (), *, idempotency_key: str | None = None
    ) -> CustomerChanges:
        """A new customer: its addresses, a sync operation for it and each pending address, the
        consent it starts with, the Idempotency-Key that made it, and while pending its search
        entries in its channel. One transaction: all of it is stored, or none."""
        rows: list[RowChange] = [
            ConsentAppended(self.customer_id, change, position)
            for position, change in enumerate(
                consent_changes(None, self.profile, channel_id=self.channel_id, at=self.created_at)
            )
        ]
        if self.is_pending:
            rows.append(OperationOpened(new_operation(self._ref(), self.created_at)))
        for address in addresses:
            rows.append(AddressAdded(self.customer_id, address))
            if address.sync_status is SyncStatus.PENDING:
                rows.append(OperationOpened(new_operation(self._ref(address.address_id), self.created_at)))
        if idempotency_key is not None:
            rows.append(IdempotencyKeyKept(idempotency_key, self.customer_id))
        if self.is_pending:
            rows.append(self._search_entries(SearchEntriesAdded))
        return self._changes(self, rows, new=True)

    def synced(
        self,
        account_number: str,
        at: datetime,
        *,
        operation: SyncOperation | None = None,
        linked: bool = False,
    ) -> CustomerChanges:
        """Converted: HQ knows it under `account_number` (another customer's when `linked`). Its create
        operation is done, the conversion logged, and its pending search entries go: HQ's index
        lists it from now on."""
        synced = self.as_synced(account_number, at, linked=linked)
        create = operation or new_operation(self._ref(), self.created_at)
        rows: list[RowChange] = [
            OperationClosed(create.completed(at)),
            ConversionLogged(self.customer_id, at),
            EventsToPublish(account_number),
            self._search_entries(SearchEntriesDropped),
        ]
        return self._changes(synced, rows)

    def as_synced(self, account_number: str, at: datetime, *, linked: bool = False) -> CustomerRecord:
        """The record as `synced` leaves it, without the rows that change writes (what an event shows)."""
        if not self.is_pending:
            raise CustomerAlreadySynced(f"Customer {self.customer_id} is synced already")
        return self.model_copy(
            update={
                "sync_status": SyncStatus.SYNCED,
                "account_number": account_number,
                "synced_at": at,
                "linked_to_existing": linked,
            }
        )

    def fell_back(self, reason: FallbackReason) -> CustomerChanges:
        """A sync create HQ could not serve is kept as an async one, and says why."""
        return self._changes(
            self.model_copy(update={"creation_mode": CreationMode.ASYNC, "fallback_reason": reason})
        )

    def edited(
        self,
        profile: CustomerProfile,
        *,
        at: datetime,
        channel_id: str | None = None,
        reason: ConsentReason | None = None,
    ) -> CustomerChanges:
        """The profile an edit leaves. Each edit has the next sequence number and an operation that
        replays it on HQ; the consent it changes is appended to the history as made in `channel_id`
        (the record's own by default) for `reason` (an edit by default)."""
        edited = self.model_copy(update={"profile": profile, "edit_count": self.edit_count + 1})
        rows: list[RowChange] = [
            OperationOpened(new_operation(self._ref(edit_target(edited.edit_count)), at))
        ]
        changes = consent_changes(
            self.profile, profile, channel_id=channel_id or self.channel_id, at=at, reason=reason
        )
        rows += [
            ConsentAppended(self.customer_id, change, position) for position, change in enumerate(changes)
        ]
        return self._changes(edited, rows)

    def merged_into_account(self, account_number: str) -> CustomerChanges:
        """Its changes and its GUID belong to the survivor from now on; its profile stays as it was."""
        return self._changes(self.model_copy(update={"merged_into": account_number}))

    def with_merged_accounts(self, account_numbers: list[str]) -> CustomerChanges:
        """A survivor lists every account merged into it, each once, in the order they came."""
        kept = list(self.merged_account_numbers)
        kept += [number for number in account_numbers if number not in kept]
        return self._changes(self.model_copy(update={"merged_account_numbers": kept}))

    def erased(self, at: datetime) -> CustomerChanges:
        """Erased from now on: every request about it is refused, and nothing converts it. Its
        profile stays until the entries it was indexed by are gone (`blanked`)."""
        return self._changes(self.model_copy(update={"erased_at": self.erased_at or at}))

    def blanked(self) -> CustomerChanges:
        """The tombstone: ids and dates only."""
        return self._changes(
            self.model_copy(update={"profile": CustomerProfile(), "request_fingerprint": ""})
        )

    # -- what it gains and gives back ----------------------------------------------------------------

    def address_added(self, address: Address, *, at: datetime) -> Changes:
        """A pending address and the operation that syncs it."""
        return Changes(
            channel_id=self.channel_id,
            rows=(
                AddressAdded(self.customer_id, address),
                OperationOpened(new_operation(self._ref(address.address_id), at)),
            ),
        )

    def address_taken_back(self, operation: SyncOperation) -> Changes:
        """An address HQ would not take now, with its operation: as if never added."""
        assert operation.address_id is not None
        return Changes(
            channel_id=self.channel_id,
            rows=(AddressRemoved(self.customer_id, operation.address_id), OperationDropped(operation)),
        )

    def addresses_kept(self, addresses: Iterable[Address]) -> Changes:
        """Addresses HQ holds already (linked or merged in): no operation, and keyed by their ids, so
        keeping them again changes nothing."""
        return Changes(
            channel_id=self.channel_id,
            rows=tuple(
                AddressKept(self.customer_id, address.model_copy(update={"sync_status": SyncStatus.SYNCED}))
                for address in addresses
            ),
        )

    def _ref(self, target: str | None = None) -> OperationRef:
        return OperationRef(self.channel_id, self.customer_id, target)

    def _search_entries(
        self, change: type[SearchEntriesAdded] | type[SearchEntriesDropped]
    ) -> SearchEntriesAdded | SearchEntriesDropped:
        """Its entries as a pending customer: by its profile, placed by when it was created."""
        terms = tuple(sorted(index_terms(self.profile, None), key=lambda term: (term.kind, term.term)))
        return change(self.customer_id, terms, sort_key(self, synced=False))

    def _changes(
        self, after: CustomerRecord, rows: Iterable[RowChange] = (), *, new: bool = False
    ) -> CustomerChanges:
        return CustomerChanges(
            channel_id=self.channel_id,
            record=after,
            expected_version=None if new else self.version,
            rows=tuple(rows),
        )


@dataclass(frozen=True, kw_only=True)
class CustomerChanges(Changes):
    """A transition of the customer: its row as it will be, if still at `expected_version` (None:
    a new customer, whose row must not exist), and the other rows of its channel, in one transaction."""

    record: CustomerRecord
    expected_version: str | None

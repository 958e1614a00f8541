"""The row changes a customer's transition makes in its channel, said in the domain's words.

A transition (`CustomerRecord.created`, `.synced`, `.edited`, ...) answers what it changes as a
`Changes`: the customer as it will be, and these rows of the same channel. The storage adapter
commits them as one transaction; nothing here knows how rows are keyed or stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.domain.address import Address
from shared.domain.consent import ConsentChange
from shared.domain.operations import SyncOperation
from shared.domain.search import SearchTerm


@dataclass(frozen=True)
class AddressWritten:
    """A customer's address, whole."""

    customer_id: str
    address: Address


class AddressAdded(AddressWritten):
    """A new address; it must not exist yet."""


class AddressKept(AddressWritten):
    """An address HQ holds already (brought by a link or a merge): written again, it stays the same."""


@dataclass(frozen=True)
class AddressNamed:
    """A customer's address, by its id."""

    customer_id: str
    address_id: str


class AddressSynced(AddressNamed):
    """HQ has the address."""


class AddressRemoved(AddressNamed):
    """The address is taken back."""


@dataclass(frozen=True)
class OperationChanged:
    """A sync operation, in the state it is to have."""

    operation: SyncOperation


class OperationOpened(OperationChanged):
    """To do; it must not exist yet."""


class OperationClosed(OperationChanged):
    """Done: it leaves the pending index for the audit trail."""


class OperationDropped(OperationChanged):
    """Taken back, with what it was for."""


@dataclass(frozen=True)
class OperationUpdated(OperationChanged):
    """Still to do, in a new state (failed, retried), if it is as it was read."""

    expected_version: str | None


@dataclass(frozen=True)
class ConsentAppended:
    """A change of marketing consent, never rewritten; `position` keeps a change's contacts in order."""

    customer_id: str
    change: ConsentChange
    position: int


@dataclass(frozen=True)
class ConsentCopied:
    """Another customer's consent entry, copied as it was by a merge or a link; `entry` is where it
    stood in that customer's history, so copying it again writes the same row."""

    customer_id: str
    change: ConsentChange
    entry: str
    copied_from: str


@dataclass(frozen=True)
class IdempotencyKeyKept:
    """The customer a create with this Idempotency-Key made; it must not be taken yet."""

    idempotency_key: str
    customer_id: str


@dataclass(frozen=True)
class ConversionLogged:
    customer_id: str
    at: datetime


@dataclass(frozen=True)
class SearchEntries:
    """A pending customer's search entries in its channel: its terms, placed by `sort_key`."""

    customer_id: str
    terms: tuple[SearchTerm, ...]
    sort_key: str


class SearchEntriesAdded(SearchEntries):
    """Written with the pending customer, so it is found at once."""


class SearchEntriesDropped(SearchEntries):
    """A converted customer's: HQ's index lists it from now on."""


@dataclass(frozen=True)
class EventsToPublish:
    """HQ recorded events of this account that the rest of the retailer may not have been told yet:
    written with the change that completes in the channel, so a publisher finds the account even if
    the instance that made the change stops before it tells anyone."""

    account_number: str


@dataclass(frozen=True)
class EventsPublished:
    """Every event of the account up to when this mark was read is out: the mark goes, unless a
    newer change wrote it again since (`version`)."""

    account_number: str
    version: str


RowChange = (
    AddressAdded
    | AddressKept
    | AddressSynced
    | AddressRemoved
    | OperationOpened
    | OperationUpdated
    | OperationClosed
    | OperationDropped
    | ConsentAppended
    | ConsentCopied
    | IdempotencyKeyKept
    | ConversionLogged
    | SearchEntriesAdded
    | SearchEntriesDropped
    | EventsToPublish
    | EventsPublished
)


@dataclass(frozen=True, kw_only=True)
class Changes:
    """The row changes of one transaction in a channel's partition: all of them, or none."""

    channel_id: str
    rows: tuple[RowChange, ...] = ()

    @property
    def opened(self) -> list[SyncOperation]:
        """The sync operations these changes start."""
        return [row.operation for row in self.rows if isinstance(row, OperationOpened)]


def consents_copied(
    history: Iterable[tuple[str, ConsentChange]], *, source: str, channel_id: str, customer_id: str
) -> Changes:
    """Another customer's consent history, each entry as it was (contact, value, channel, time,
    reason), copied to `customer_id` of `channel_id` so both histories read through the survivor of
    a merge or a link. `history` is `source`'s, each entry with where it stood: copying it again
    writes the same rows."""
    return Changes(
        channel_id=channel_id,
        rows=tuple(
            ConsentCopied(customer_id, change, entry, copied_from=source) for entry, change in history
        ),
    )


# -- a sync operation's life: pending (failed, retried) -> done ---------------------------------------


def operation_done(operation: SyncOperation, at: datetime, *, told: str | None = None) -> Changes:
    """An address or an edit synced to HQ: the operation leaves the pending index for the audit
    trail, and an address says synced, together; `told` is the account HQ recorded its event for."""
    rows: list[RowChange] = [OperationClosed(operation.completed(at))]
    if operation.address_id:
        rows.insert(0, AddressSynced(operation.customer_id, operation.address_id))
    if told is not None:
        rows.append(EventsToPublish(told))
    return Changes(channel_id=operation.channel_id, rows=tuple(rows))


def events_to_publish(channel_id: str, account_number: str) -> Changes:
    """A change that completes outside a channel transaction (a card, a merge) marks its account."""
    return Changes(channel_id=channel_id, rows=(EventsToPublish(account_number),))


def operation_failed(operation: SyncOperation, error: str, at: datetime) -> Changes:
    """An attempt failed: counted on the operation as read, which stays to do."""
    return Changes(
        channel_id=operation.channel_id,
        rows=(OperationUpdated(operation.failed(error, at), operation.version),),
    )


def operation_retried(operation: SyncOperation) -> Changes:
    """Put back in line by ops, if it is still as read."""
    return Changes(
        channel_id=operation.channel_id, rows=(OperationUpdated(operation.retried(), operation.version),)
    )

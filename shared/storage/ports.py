"""What the use cases need from storage, as small interfaces with no Azure in them.

The Azure adapters beside this module implement them; `shared/bootstrap.py` picks the adapters.
They are here for the reader and as the seam a use case is written against, not for fakes: tests
run the services on Azurite through the real adapters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.domain.access_log import AccessEntry
from shared.domain.address import Address
from shared.domain.attributes import AttributeDefinition
from shared.domain.audit import AuditEntry
from shared.domain.changes import Changes
from shared.domain.channel import Channel
from shared.domain.consent import ConsentChange
from shared.domain.customer import CustomerChanges, CustomerRecord
from shared.domain.duplicates import DuplicateCandidate, DuplicateStatus, MatchedOn, MatchKey
from shared.domain.events import CustomerEvent, EventType, NewEvent, Publication
from shared.domain.key_reads import KeyReads, SuspendedKey
from shared.domain.operations import OperationRef, SyncOperation
from shared.domain.profile import CustomerProfile
from shared.domain.roles import Actor
from shared.domain.search import SearchQuery, SearchTerm
from shared.domain.sync import RunSummary, SyncMessage
from shared.domain.webhooks import Delivery, DeliveryStatus, SendOutcome


class RowAlreadyExists(Exception):
    """A create found its row taken: the same customer id or idempotency key was used before."""


class RecordChanged(Exception):
    """The record changed since it was read (its ETag moved on), or is gone."""


@dataclass(frozen=True)
class StoredKey:
    """A channel key as kept: its salted hash, never the key."""

    channel_id: str
    key_id: str
    salt: bytes
    secret_hash: bytes
    suspended_at: datetime | None = None


@dataclass(frozen=True)
class HqCustomer:
    """HQ's customer master: the profile HQ keeps under an account number."""

    account_number: str
    customer_id: str
    channel_id: str
    profile: CustomerProfile
    edit_sequence: int = 0
    # A merge folded this customer into another: the master stays, as a tombstone naming the survivor.
    merged_into: str | None = None


@dataclass(frozen=True)
class MatchHit:
    """An HQ customer that shares match keys with another: which keys, never their values."""

    account_number: str
    customer_id: str
    matched_on: tuple[MatchedOn, ...]


@dataclass(frozen=True)
class IndexHit:
    """A customer an index entry points at; the record decides whether it really matches.
    `row_key` is where the entry stands, so a search can go on after it."""

    channel_id: str
    customer_id: str
    row_key: str = ""
    encoded_term: str = ""


class ChannelDirectory(Protocol):
    def get(self, channel_id: str) -> Channel | None: ...
    def save(self, channel: Channel) -> None: ...
    def channel_ids(self) -> list[str]: ...


class ChannelKeyStore(Protocol):
    def add(self, key: StoredKey) -> None: ...
    def get(self, channel_id: str, key_id: str) -> StoredKey | None: ...
    def remove(self, channel_id: str, key_id: str) -> bool: ...
    def reads(self, channel_id: str, key_id: str) -> tuple[KeyReads, str] | None: ...
    def save_reads(
        self, channel_id: str, key_id: str, reads: KeyReads, *, version: str, lifted: bool = False
    ) -> None: ...
    def suspended(self) -> list[SuspendedKey]: ...


class CustomerRecords(Protocol):
    """A channel's customers and everything about them: a transition's changes committed as one
    transaction, and the reads the use cases make."""

    def save(self, changes: CustomerChanges) -> CustomerRecord: ...
    def commit(self, changes: Changes) -> None: ...
    def get(self, channel_id: str, customer_id: str) -> CustomerRecord | None: ...
    def customer_id_for_idempotency_key(self, channel_id: str, idempotency_key: str) -> str | None: ...
    def addresses(
        self, channel_id: str, customer_id: str, *, after: str | None = None, limit: int | None = None
    ) -> list[Address]: ...
    def address(self, channel_id: str, customer_id: str, address_id: str) -> Address | None: ...
    def address_count(self, channel_id: str, customer_id: str) -> int: ...
    def consents(
        self, channel_id: str, customer_id: str, *, after: str | None = None, limit: int | None = None
    ) -> list[tuple[str, ConsentChange]]: ...
    def operation(self, ref: OperationRef) -> SyncOperation | None: ...
    def pending_operations(self, channel_id: str, customer_id: str | None = None) -> list[SyncOperation]: ...
    def events_to_publish(self, channel_id: str, *, limit: int = 100) -> list[tuple[str, str]]: ...
    def publish_mark(self, channel_id: str, account_number: str) -> str | None: ...


class ChannelActivity(Protocol):
    """What a channel did lately, for the console."""

    def completed_operations(self, channel_id: str, *, limit: int) -> list[SyncOperation]: ...
    def conversions_since(self, channel_id: str, since: datetime) -> list[datetime]: ...


@dataclass(frozen=True)
class IdClaim:
    """Who holds a customer id, and whether the claim that asked took it just now."""

    owner: str
    taken_now: bool


class CustomerIds(Protocol):
    def claim(self, customer_id: str, channel_id: str) -> IdClaim: ...


class HeadquartersMaster(Protocol):
    """HQ's customers: account-number bindings, masters, addresses and loyalty cards."""

    def account_number_of(self, customer_id: str) -> str | None: ...
    def bind_account_number(self, customer_id: str, account_number: str) -> str: ...
    def save_master(self, customer: HqCustomer, events: Sequence[NewEvent] = ()) -> bool: ...
    def save_address(self, account_number: str, address: Address) -> None: ...
    def save_loyalty_card(self, account_number: str, card_number: str, *, channel_id: str) -> None: ...
    def keep_loyalty_card(self, account_number: str, card_number: str, *, channel_id: str) -> None: ...
    def addresses(self, account_number: str) -> list[Address]: ...
    def loyalty_cards(self, account_number: str) -> list[str]: ...
    def move_loyalty_card(self, card_number: str, *, from_account: str, to_account: str) -> None: ...
    def mark_merged(self, account_number: str, *, into: str) -> None: ...
    def get(self, account_number: str) -> HqCustomer | None: ...
    def ping(self) -> None: ...


class CustomerEvents(Protocol):
    """HQ's outbox: each account's events, numbered, and how far they are published."""

    def record(self, account_number: str, event: NewEvent) -> bool: ...
    def after(self, account_number: str, sequence: int, *, limit: int = 100) -> list[CustomerEvent]: ...
    def by_change(self, account_number: str, change: str) -> CustomerEvent | None: ...
    def publication(self, account_number: str) -> Publication: ...
    def save_publication(self, publication: Publication) -> Publication | None: ...


class EventFeed(Protocol):
    """Every published event in publishing order, read up to a little before now."""

    def append(self, events: Sequence[CustomerEvent], *, at: datetime) -> None: ...
    def read(
        self, *, after: str | None, until: datetime, oldest: datetime, limit: int
    ) -> tuple[list[CustomerEvent], str]: ...
    def prune(self, *, keep_from: datetime, limit: int = 2000) -> int: ...


@dataclass(frozen=True)
class StoredWebhook:
    """A webhook as the dispatcher needs it: where, what, and the secret to sign with."""

    webhook_id: str
    url: str
    event_types: list[EventType]
    created_at: datetime
    secret: str


class Webhooks(Protocol):
    """Webhooks, their deliveries, and one dispatcher per webhook and account at a time."""

    def add(self, webhook: StoredWebhook) -> None: ...
    def get(self, webhook_id: str) -> StoredWebhook | None: ...
    def all(self) -> list[StoredWebhook]: ...
    def remove(self, webhook_id: str) -> bool: ...
    def add_deliveries(
        self, webhook_id: str, events: Sequence[CustomerEvent], *, at: datetime, again: bool = False
    ) -> None: ...
    def pending(
        self, webhook_id: str, account_number: str, *, limit: int
    ) -> list[tuple[Delivery, CustomerEvent, str]]: ...
    def save_deliveries(self, webhook_id: str, deliveries: list[tuple[Delivery, str]]) -> bool: ...
    def deliveries(
        self, webhook_id: str, *, status: DeliveryStatus | None, after: str | None, limit: int
    ) -> list[tuple[str, Delivery]]: ...
    def recent(self, webhook_id: str, *, since: datetime) -> list[Delivery]: ...
    def lease(
        self, webhook_id: str, account_number: str, *, until: datetime, now: datetime
    ) -> str | None: ...
    def release(self, webhook_id: str, account_number: str, *, version: str) -> None: ...


class DeliveryQueue(Protocol):
    def send(self, webhook_id: str, account_number: str, *, delay_seconds: int = 0) -> None: ...


class WebhookPost(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> SendOutcome: ...


class MatchIndex(Protocol):
    """HQ customers by match key: found by key, never by scanning customers."""

    def add(self, *, account_number: str, customer_id: str, keys: Iterable[MatchKey]) -> None: ...
    def remove(self, *, account_number: str, keys: Iterable[MatchKey]) -> None: ...
    def matches(self, keys: Iterable[MatchKey]) -> list[MatchHit]: ...
    def claim(self, key: MatchKey, *, customer_id: str) -> str: ...
    def holder(self, key: MatchKey) -> str | None: ...
    def release(self, key: MatchKey, *, held_by: str) -> bool: ...


class DuplicateCandidates(Protocol):
    def record(self, candidate: DuplicateCandidate) -> None: ...
    def get(self, duplicate_id: str) -> tuple[DuplicateCandidate, str] | None: ...
    def set_status(self, candidate: DuplicateCandidate, *, version: str) -> str: ...
    def listed(
        self, status: DuplicateStatus | None = None, *, after: str | None = None, limit: int | None = None
    ) -> list[DuplicateCandidate]: ...
    def started_merges(self) -> list[str]: ...
    def open_count(self) -> int: ...


class AttributeDefinitions(Protocol):
    def all(self) -> dict[str, AttributeDefinition]: ...
    def versioned(self) -> tuple[dict[str, AttributeDefinition], str | None]: ...
    def save(self, definition: AttributeDefinition, *, version: str | None) -> None: ...


class NumberSequence(Protocol):
    def next_number(self) -> int: ...
    def give_back(self, number: int) -> None: ...


class SearchIndex(Protocol):
    def add(
        self, *, scope: str, channel_id: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str
    ) -> None: ...
    def remove(self, *, scope: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str) -> None: ...
    def find(self, *, scope: str, query: SearchQuery, after: str | None = None) -> Iterator[IndexHit]: ...


class SyncQueue(Protocol):
    def send(self, message: SyncMessage) -> None: ...
    def poison_message_count(self) -> int: ...
    def ping(self) -> None: ...


class AccessLog(Protocol):
    """Who read or changed which customer through which channel key; newest first, with positions."""

    def record(self, entries: list[AccessEntry]) -> None: ...
    def for_key(
        self, channel_id: str, key_id: str, *, after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]: ...
    def for_person(
        self, *, customer_ids: list[str], account_numbers: list[str], after: str | None, limit: int
    ) -> list[tuple[str, AccessEntry]]: ...
    def prune(self, *, before: datetime, limit: int) -> int: ...


class PersonTokens(Protocol):
    """People's sign-in tokens: who a valid one stands for and the app roles it carries."""

    def verify(self, token: str) -> Actor: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def recent(self, *, after: str | None, limit: int) -> list[tuple[str, AuditEntry]]: ...


class RunLog(Protocol):
    def record(self, summary: RunSummary) -> None: ...
    def recent(self, *, limit: int, since: datetime | None = None) -> list[RunSummary]: ...

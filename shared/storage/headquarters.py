"""HQ's customer master: customers by account number, and the async GUID kept as an alternate key.

The alternate-key row (`HqCustomerKeys`, one per async customer GUID) is what makes conversion
idempotent: whoever creates it first binds the GUID to its account number for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.address import Address
from shared.domain.errors import AccountNumberTaken, HeadquartersUnavailable
from shared.domain.events import NewEvent
from shared.domain.profile import CustomerProfile
from shared.optimistic import retry_on_conflict
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.hq_events import MASTER_ROW, MASTER_TABLE, event_entities, submit_or_signal
from shared.storage.long_text import long_text, read_long_text
from shared.storage.ports import HqCustomer
from shared.storage.tables import delete_found

KEYS_TABLE = "HqCustomerKeys"
ADDRESSES_TABLE = "HqCustomerAddresses"
LOYALTY_CARDS_TABLE = "HqLoyaltyCards"
KEY_ROW = "key"
_REPLACE = {"mode": UpdateMode.REPLACE}


def master_entity(customer: HqCustomer, *, event_count: int = 0) -> dict[str, Any]:
    """`event_count` is how many events the account has once this master is written."""
    return {
        "PartitionKey": customer.account_number,
        "RowKey": MASTER_ROW,
        "CustomerId": customer.customer_id,
        "ChannelId": customer.channel_id,
        **long_text("Profile", customer.profile.model_dump_json(by_alias=True)),
        "EditSequence": customer.edit_sequence,
        "EventSequence": event_count,
        "UpdatedAt": datetime.now(UTC),
    }


def _hq_errors() -> AbstractContextManager[None]:
    return translate_storage_errors(HeadquartersUnavailable)


class HeadquartersCustomers:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def _keys(self) -> TableClient:
        return self._account.table(KEYS_TABLE)

    def _masters(self) -> TableClient:
        return self._account.table(MASTER_TABLE)

    def account_number_of(self, customer_id: str) -> str | None:
        """The account number HQ bound to an async customer's GUID, if it did already."""
        with _hq_errors():
            try:
                entity = self._keys().get_entity(customer_id, KEY_ROW)
            except ResourceNotFoundError:
                return None
        return str(entity["AccountNumber"])

    def bind_account_number(self, customer_id: str, account_number: str) -> str:
        """Binds the GUID to `account_number` unless it is bound already; returns the binding that holds."""
        entity = {
            "PartitionKey": customer_id,
            "RowKey": KEY_ROW,
            "AccountNumber": account_number,
        }
        with _hq_errors():
            try:
                self._keys().create_entity(entity)
                return account_number
            except ResourceExistsError:
                pass
        bound = self.account_number_of(customer_id)
        if bound is None:  # pragma: no cover - a key row is never deleted
            raise HeadquartersUnavailable("Account number binding vanished; retry")
        return bound

    def save_master(self, customer: HqCustomer, events: Sequence[NewEvent] = ()) -> bool:
        """Writes the customer master, with the events that tell of it, unless HQ already holds this
        edit or a later one; answers whether it wrote.

        `edit_sequence` counts the channel edits the profile includes; HQ never goes back to an
        older one, so replays and racing converters cannot undo a newer edit. The events are numbered
        after the account's last and written in the same transaction as the master: one is never
        stored without the other.
        """
        return retry_on_conflict(
            lambda: self._save_master_once(customer, events),
            conflicts=(ResourceExistsError, ResourceModifiedError),
            exhausted=HeadquartersUnavailable(f"HQ customer {customer.account_number} kept changing; retry"),
        )

    def _save_master_once(self, customer: HqCustomer, events: Sequence[NewEvent]) -> bool:
        account = customer.account_number
        with _hq_errors():
            if customer.edit_sequence == 0:
                # A conversion writes a master that does not exist yet: the create-only insert alone
                # decides, in one round trip. Only when the row is there already is it read.
                try:
                    self._write(master_entity(customer, event_count=len(events)), events)
                    return True
                except ResourceExistsError:
                    pass
            try:
                current = self._masters().get_entity(account, MASTER_ROW)
            except ResourceNotFoundError:
                current = None
            if current is not None and (current["CustomerId"], current["ChannelId"]) != (
                customer.customer_id,
                customer.channel_id,
            ):
                # Never overwrite another customer's master, whatever the caller believes.
                raise AccountNumberTaken(f"Account {account} belongs to another customer")
            if current is not None and int(current.get("EditSequence") or 0) >= customer.edit_sequence:
                return False
            if current is not None and current.get("ErasedAt"):
                return False  # erased: nothing writes the person back
            if current is None:
                self._write(master_entity(customer, event_count=len(events)), events)
                return True
            counted = int(current.get("EventSequence") or 0)
            entity = master_entity(customer, event_count=counted + len(events))
            if current.get("MergedInto"):  # a replay never revives a tombstone
                entity["MergedInto"] = current["MergedInto"]
            self._write(entity, events, etag=current.metadata["etag"], after=counted)
            return True

    def _write(
        self, entity: dict[str, Any], events: Sequence[NewEvent], *, etag: str | None = None, after: int = 0
    ) -> None:
        """The master (created, or replaced if still at `etag`) and its events' rows, numbered from
        `after + 1`: one transaction, or one plain write when there is no event."""
        if etag is None:
            master: tuple[Any, ...] = ("create", entity)
        else:
            master = (
                "update",
                entity,
                {**_REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified},
            )
        if not events:
            if etag is None:
                self._masters().create_entity(entity)
            else:
                self._masters().update_entity(entity, **master[2])
            return
        rows = event_entities(entity["PartitionKey"], after, events)
        submit_or_signal(self._masters(), [master, *(("create", row) for row in rows)])

    def save_address(self, account_number: str, address: Address) -> None:
        """Adds an address to the customer master; keyed by its channel id, so a replay is harmless."""
        entity = {
            "PartitionKey": account_number,
            "RowKey": address.address_id,
            "Data": address.model_dump_json(by_alias=True, exclude={"sync_status"}),
        }
        with _hq_errors():
            self._account.table(ADDRESSES_TABLE).upsert_entity(entity, mode=UpdateMode.REPLACE)

    def save_loyalty_card(self, account_number: str, card_number: str, *, channel_id: str) -> None:
        entity = {
            "PartitionKey": account_number,
            "RowKey": card_number,
            "IssuedInChannel": channel_id,
            "IssuedAt": datetime.now(UTC),
        }
        with _hq_errors():
            self._account.table(LOYALTY_CARDS_TABLE).create_entity(entity)

    def keep_loyalty_card(self, account_number: str, card_number: str, *, channel_id: str) -> None:
        """Writes the card unless it is there already (on this account, or moved by a merge)."""
        with suppress(ResourceExistsError):
            self.save_loyalty_card(account_number, card_number, channel_id=channel_id)

    def addresses(self, account_number: str) -> list[Address]:
        with _hq_errors():
            rows = self._account.table(ADDRESSES_TABLE).query_entities(
                "PartitionKey eq @pk", parameters={"pk": account_number}
            )
            return [Address.model_validate_json(row["Data"]) for row in rows]

    def loyalty_cards(self, account_number: str) -> list[str]:
        with _hq_errors():
            rows = self._account.table(LOYALTY_CARDS_TABLE).query_entities(
                "PartitionKey eq @pk", parameters={"pk": account_number}, select=["RowKey"]
            )
            return [str(row["RowKey"]) for row in rows]

    def move_loyalty_card(self, card_number: str, *, from_account: str, to_account: str) -> None:
        """Copy first, then delete: a crash between the two leaves the card on both, never on neither,
        and moving it again finishes the job."""
        table = self._account.table(LOYALTY_CARDS_TABLE)
        with _hq_errors():
            try:
                card = table.get_entity(from_account, card_number)
            except ResourceNotFoundError:
                return
            moved = {**card, "PartitionKey": to_account, "MovedFrom": from_account}
            table.upsert_entity(moved, mode=UpdateMode.REPLACE)
            table.delete_entity(from_account, card_number)

    def mark_merged(self, account_number: str, *, into: str) -> None:
        """Makes the master a tombstone naming the survivor; the profile stays, nothing is deleted."""
        with _hq_errors():
            self._masters().update_entity(
                {"PartitionKey": account_number, "RowKey": MASTER_ROW, "MergedInto": into},
                mode=UpdateMode.MERGE,
            )

    def get(self, account_number: str) -> HqCustomer | None:
        with _hq_errors():
            try:
                entity = self._masters().get_entity(account_number, MASTER_ROW)
            except ResourceNotFoundError:
                return None
        return HqCustomer(
            account_number=account_number,
            customer_id=entity["CustomerId"],
            channel_id=entity["ChannelId"],
            profile=CustomerProfile.model_validate_json(read_long_text(entity, "Profile")),
            edit_sequence=int(entity.get("EditSequence") or 0),
            merged_into=entity.get("MergedInto") or None,
            erased_at=entity.get("ErasedAt") or None,
        )

    def mark_erased(self, account_number: str, *, at: datetime) -> None:
        """From now on no conversion, replay or merge writes this master again."""
        with _hq_errors(), suppress(ResourceNotFoundError):
            self._masters().update_entity(
                {"PartitionKey": account_number, "RowKey": MASTER_ROW, "ErasedAt": at}, mode=UpdateMode.MERGE
            )

    def blank_master(self, account_number: str) -> None:
        """The tombstone: the account number, its GUID and dates, no profile."""
        blank = {
            "PartitionKey": account_number,
            "RowKey": MASTER_ROW,
            "Profile": CustomerProfile().model_dump_json(by_alias=True),
        }
        with _hq_errors(), suppress(ResourceNotFoundError):
            current = self._masters().get_entity(account_number, MASTER_ROW)
            kept = {
                name: current[name]
                for name in (
                    "CustomerId",
                    "ChannelId",
                    "EditSequence",
                    "EventSequence",
                    "MergedInto",
                    "ErasedAt",
                )
                if name in current
            }
            self._masters().update_entity({**kept, **blank}, mode=UpdateMode.REPLACE)

    def remove_addresses(self, account_number: str) -> int:
        return self._remove_partition(ADDRESSES_TABLE, account_number)

    def remove_loyalty_cards(self, account_number: str) -> int:
        return self._remove_partition(LOYALTY_CARDS_TABLE, account_number)

    def _remove_partition(self, table_name: str, partition: str) -> int:
        table = self._account.table(table_name)
        with _hq_errors():
            rows = table.query_entities(
                "PartitionKey eq @pk", parameters={"pk": partition}, select=["RowKey"]
            )
            return delete_found(table, partition, rows)

    def customers_bound_to(self, account_numbers: list[str]) -> list[str]:
        """Every GUID bound to one of these accounts (its own, linked ones): a filtered read of every
        binding, as no index leads from an account to its GUIDs. A data subject request's cost, and
        no conversion's."""
        found: set[str] = set()
        # A filter holds at most 15 comparisons: ten accounts a read.
        for start in range(0, len(account_numbers), 10):
            names = {
                f"a{number}": account for number, account in enumerate(account_numbers[start : start + 10])
            }
            query = " or ".join(f"AccountNumber eq @{name}" for name in names)
            with _hq_errors():
                rows = self._keys().query_entities(query, parameters=names, select=["PartitionKey"])
                found |= {str(row["PartitionKey"]) for row in rows}
        return sorted(found)

    def ping(self) -> None:
        with _hq_errors():
            next(
                iter(self._masters().list_entities(results_per_page=1, select=["PartitionKey"])),
                None,
            )

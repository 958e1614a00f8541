"""Every row family of a channel's partition of `ChannelCustomers`, and its keys: the one map.

A channel's customers and everything about them share its partition, so any change of a customer is
one entity-group transaction. Every module that reads or writes the partition takes its keys from
here, and `family_of` names the family of any row, so a feature that must reach every row of a
person (an erasure) or every change (an event) has one place to learn them all.

  customer|<customerId>                       the customer (profile, sync state, ETag)
  address|<customerId>|<addressId>            an address (its id sorts by time)
  pending|<customerId>[|<target>]             a sync operation still to do: the pending index
  done|<customerId>[|<target>]                a completed sync operation (the audit trail)
  idempotency|<sha256 of the key>             an Idempotency-Key and the customer it created
  consent|<customerId>|<newest first>|<n>[|<from customerId>...]
                                              a change of marketing consent, never rewritten
                                              (a copy brought by a merge or a link names its source)
  converted|<newest first>|<customerId>       when a customer converted (the console's chart)
  search|<kind>|<key term>|<sort key>|<customerId>
                                              a pending customer's search entry
  publish|<account number>                    HQ recorded events of the account to be published
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from shared.domain.operations import OperationRef
from shared.storage.tables import key_after, newest_first

CUSTOMERS_TABLE = "ChannelCustomers"


class RowFamily(StrEnum):
    CUSTOMER = "customer"
    ADDRESS = "address"
    PENDING = "pending"
    DONE = "done"
    IDEMPOTENCY = "idempotency"
    CONSENT = "consent"
    CONVERTED = "converted"
    SEARCH = "search"
    PUBLISH = "publish"

    @property
    def prefix(self) -> str:
        return f"{self.value}|"


class Erasure(StrEnum):
    """What erasing a person does to their rows of a family."""

    TOMBSTONE = "tombstone"  # kept, without personal data: the GUID answers 410
    DELETE = "delete"
    KEEP = "keep"  # holds ids only (a hash of a key and a GUID, an account number)


# Every family, and what an erasure does to it: a family missing here fails the tests.
ERASURE_OF: dict[RowFamily, Erasure] = {
    RowFamily.CUSTOMER: Erasure.TOMBSTONE,
    RowFamily.ADDRESS: Erasure.DELETE,
    RowFamily.PENDING: Erasure.DELETE,
    RowFamily.DONE: Erasure.DELETE,
    # A replayed create with the same Idempotency-Key must find the erased customer, to answer 410.
    RowFamily.IDEMPOTENCY: Erasure.KEEP,
    RowFamily.CONSENT: Erasure.DELETE,
    RowFamily.CONVERTED: Erasure.DELETE,
    RowFamily.SEARCH: Erasure.DELETE,
    RowFamily.PUBLISH: Erasure.KEEP,
}


class UnknownRowFamily(ValueError):
    """A row no module of the app writes: a new family must be named here first."""


def family_of(row_key: str) -> RowFamily:
    head = row_key.split("|", 1)[0]
    try:
        return RowFamily(head)
    except ValueError:
        raise UnknownRowFamily(f"RowKey '{row_key[:40]}' is of no known row family") from None


def customer_row(customer_id: str) -> str:
    return f"{RowFamily.CUSTOMER.prefix}{customer_id}"


def address_prefix(customer_id: str) -> str:
    return f"{RowFamily.ADDRESS.prefix}{customer_id}|"


def address_row(customer_id: str, address_id: str) -> str:
    return address_prefix(customer_id) + address_id


def _operation_suffix(ref: OperationRef) -> str:
    # A customer's own operation sorts before its addresses' and edits', so it is done first.
    return ref.customer_id + (f"|{ref.target}" if ref.target else "")


def pending_row(ref: OperationRef) -> str:
    return RowFamily.PENDING.prefix + _operation_suffix(ref)


def pending_range(customer_id: str | None = None) -> tuple[str, str]:
    """The pending index of the channel, or of one customer (its own and its targets' rows)."""
    if customer_id is None:
        return RowFamily.PENDING.prefix, key_after(RowFamily.PENDING.prefix)
    return f"{RowFamily.PENDING.prefix}{customer_id}", f"{RowFamily.PENDING.prefix}{customer_id}}}"


def done_row(ref: OperationRef) -> str:
    return RowFamily.DONE.prefix + _operation_suffix(ref)


def idempotency_row(idempotency_key: str) -> str:
    # Hashing keeps arbitrary client text out of the RowKey, whose alphabet is restricted.
    return RowFamily.IDEMPOTENCY.prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()


def consent_prefix(customer_id: str) -> str:
    return f"{RowFamily.CONSENT.prefix}{customer_id}|"


def consent_row(customer_id: str, changed_at: datetime, position: int) -> str:
    """Newest first: the time counts down, and a change's contacts keep their order within it."""
    return f"{consent_prefix(customer_id)}{newest_first(changed_at)}|{position:03d}"


def converted_row(at: datetime, customer_id: str) -> str:
    return f"{RowFamily.CONVERTED.prefix}{newest_first(at)}|{customer_id}"


def converted_range(since: datetime) -> tuple[str, str]:
    """Conversions from now back to `since`: the newest come first."""
    return RowFamily.CONVERTED.prefix, f"{RowFamily.CONVERTED.prefix}{newest_first(since)}}}"


def search_prefix(kind: str) -> str:
    return f"{RowFamily.SEARCH.prefix}{kind}|"


def publish_row(account_number: str) -> str:
    return RowFamily.PUBLISH.prefix + account_number

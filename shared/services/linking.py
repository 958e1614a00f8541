"""`DUPLICATE_POLICY=link`: a pending customer that matches an HQ customer is bound to its account
instead of becoming a new one, and its addresses are added to that customer (CONTRACT §6).

Two matching customers converted at once on different instances must end as one HQ customer. Each
claims its match keys with create-only rows, in one order every instance follows; whoever finds a
key taken stops claiming there and joins the claimant. As everyone claims in the same order and
stops at its first loss, no two conversions can wait on each other. A claim names the claimant's
GUID, not an account: the GUID binding is the one truth about which HQ customer it became.
"""

from __future__ import annotations

import logging
import time

from shared.domain.customer import Address, CustomerRecord, same_place
from shared.domain.duplicates import MatchKey, match_keys
from shared.domain.errors import DomainError
from shared.services.dependencies import Dependencies
from shared.services.fault_points import BEFORE_MATCH_KEYS_CLAIMED
from shared.services.resolution import surviving_master
from shared.storage.ports import HqCustomer

logger = logging.getLogger(__name__)

CLAIMANT_WAIT_SECONDS = 5.0


class LinkTargetPending(DomainError):
    """The matching customer is being converted right now; the queue or the batch tries again."""

    code = "link-target-pending"


def link_target(dependencies: Dependencies, record: CustomerRecord) -> str | None:
    """The account number the customer must be bound to, or None to make it a new HQ customer."""
    keys = sorted(match_keys(record.profile), key=lambda key: (key.matched_on.value, key.value))
    dependencies.faults.reach(BEFORE_MATCH_KEYS_CLAIMED)
    for key in keys:
        holder = dependencies.match_index.claim(key, customer_id=record.customer_id)
        if holder != record.customer_id:
            return _account_of_claimant(dependencies, holder, waiting=record.customer_id)
    return _existing_match(dependencies, keys, customer_id=record.customer_id)


def _existing_match(dependencies: Dependencies, keys: list[MatchKey], *, customer_id: str) -> str | None:
    """Every key is this customer's: an HQ customer made before (under `flag`, or before claims were
    kept) may still have them. The oldest whose master still matches wins."""
    if not keys:
        return None
    for hit in dependencies.match_index.matches(keys):
        master = dependencies.headquarters.get(hit.account_number)
        if master is None or master.customer_id == customer_id:
            continue
        if set(match_keys(master.profile)) & set(keys):
            # A live master is its own survivor: only a merged one needs the chain read.
            survivor = (
                master if master.merged_into is None else surviving_master(dependencies, master.merged_into)
            )
            if survivor is not None:
                return survivor.account_number
    return None


def _account_of_claimant(dependencies: Dependencies, holder: str, *, waiting: str) -> str:
    """The HQ customer the claimant became; it may be converting right now, so wait a little."""
    deadline = time.monotonic() + CLAIMANT_WAIT_SECONDS
    delay = 0.02
    while True:
        bound = dependencies.headquarters.account_number_of(holder)
        survivor = surviving_master(dependencies, bound) if bound is not None else None
        if survivor is not None:
            return survivor.account_number
        if time.monotonic() >= deadline:
            raise LinkTargetPending(
                f"Customer {waiting} matches customer {holder}, whose conversion is not done yet"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def add_linked_address(dependencies: Dependencies, record: CustomerRecord, address: Address) -> None:
    """A linked customer's address goes to the HQ customer it was bound to, unless it is there."""
    assert record.account_number is not None
    survivor = surviving_master(dependencies, record.account_number)
    if survivor is None:
        raise LinkTargetPending(f"HQ customer {record.account_number} is not written yet")
    give_addresses(dependencies, survivor, [address])


def give_addresses(dependencies: Dependencies, survivor: HqCustomer, addresses: list[Address]) -> int:
    """Adds addresses to an HQ customer and to the channel record that shows it, skipping any in
    the same place as one it has. Keyed by address id, so giving them again changes nothing."""
    owner = dependencies.customers.get(survivor.channel_id, survivor.customer_id)
    held = dependencies.headquarters.addresses(survivor.account_number)
    if owner is not None:
        held += dependencies.customers.addresses(owner.channel_id, owner.customer_id)
    new: list[Address] = []
    for address in addresses:
        others = [other for other in held + new if other.address_id != address.address_id]
        if not any(same_place(address, other) for other in others):
            new.append(address)
    for address in new:
        dependencies.headquarters.save_address(survivor.account_number, address)
    if owner is not None and new:
        dependencies.customers.adopt_addresses(owner, new)
    return len(new)

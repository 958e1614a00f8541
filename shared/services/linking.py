"""`DUPLICATE_POLICY=link`: a pending customer whose verified e-mail is the verified e-mail of an HQ
customer is bound to that account instead of becoming a new one.

Only a proven e-mail on both sides names one person: an e-mail typed at a till proves nothing (whoever
typed a victim's address first would capture everyone who later signs up with it), and a phone and
a surname are shared by families. Every other match is flagged for a person to decide, never linked.

Two matching customers converted at once on different instances must end as one HQ customer. Each
claims its verified e-mail with a create-only row; whoever finds it taken joins the claimant. A
claim names the claimant's GUID, not an account: the GUID binding is the one truth about which HQ
customer it became. A claim whose customer no longer has that verified e-mail is stale: it is
released and claimed again, so a corrected typo never binds a later shopper to the wrong person.
"""

from __future__ import annotations

import logging
import time

from shared.domain.address import Address, places_to_add
from shared.domain.customer import CustomerRecord
from shared.domain.duplicates import MatchKey, verified_email_key
from shared.domain.errors import LinkTargetPending
from shared.services.dependencies import Dependencies
from shared.services.fault_points import BEFORE_MATCH_KEYS_CLAIMED
from shared.services.resolution import surviving_master
from shared.storage.ports import HqCustomer

logger = logging.getLogger(__name__)

CLAIMANT_WAIT_SECONDS = 5.0
STALE_CLAIM_RETRIES = 3


def link_target(dependencies: Dependencies, record: CustomerRecord) -> str | None:
    """The account number the customer must be bound to, or None to make it a new HQ customer."""
    key = verified_email_key(record.profile)
    if key is None:
        return None
    dependencies.faults.reach(BEFORE_MATCH_KEYS_CLAIMED)
    for _ in range(STALE_CLAIM_RETRIES):
        holder = dependencies.match_index.claim(key, customer_id=record.customer_id)
        if holder == record.customer_id:
            return _existing_match(dependencies, key, customer_id=record.customer_id)
        survivor = _survivor_of_claimant(dependencies, holder, waiting=record.customer_id)
        if _holds(survivor, key):
            return survivor.account_number
        dependencies.match_index.release(key, held_by=holder)  # its customer's e-mail went
    raise LinkTargetPending(f"The claim on customer {record.customer_id}'s e-mail kept changing hands")


def _holds(master: HqCustomer, key: MatchKey) -> bool:
    return verified_email_key(master.profile) == key


def _existing_match(dependencies: Dependencies, key: MatchKey, *, customer_id: str) -> str | None:
    """The claim is this customer's: an HQ customer made before (under `flag`, or before claims were
    kept) may still have the same verified e-mail. The oldest whose master still has it wins."""
    for hit in dependencies.match_index.matches([key]):
        master = dependencies.headquarters.get(hit.account_number)
        if master is None or master.customer_id == customer_id:
            continue
        # A live master is its own survivor: only a merged one needs the chain read.
        survivor = (
            master if master.merged_into is None else surviving_master(dependencies, master.merged_into)
        )
        if survivor is not None and _holds(survivor, key):
            return survivor.account_number
    return None


def _survivor_of_claimant(dependencies: Dependencies, holder: str, *, waiting: str) -> HqCustomer:
    """The HQ customer the claimant became; it may be converting right now, so wait a little."""
    deadline = time.monotonic() + CLAIMANT_WAIT_SECONDS
    delay = 0.02
    while True:
        bound = dependencies.headquarters.account_number_of(holder)
        survivor = surviving_master(dependencies, bound) if bound is not None else None
        if survivor is not None:
            return survivor
        if time.monotonic() >= deadline:
            raise LinkTargetPending(
                f"Customer {waiting} matches customer {holder}, whose conversion is not done yet"
            )
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def release_claim(
    dependencies: Dependencies, key: MatchKey, *, account_number: str, customer_id: str
) -> None:
    """The HQ customer no longer has this verified e-mail (an edit, a merge): the claim that led to
    it goes, so a later customer with that e-mail is neither linked to it nor kept waiting. A claim
    of a conversion still in flight, or of another HQ customer, stays."""
    holder = dependencies.match_index.holder(key)
    if holder is None:
        return
    if holder != customer_id:
        bound = dependencies.headquarters.account_number_of(holder)
        if bound is None:
            return
        if bound != account_number:
            survivor = surviving_master(dependencies, bound)
            if survivor is None or survivor.account_number != account_number:
                return
    dependencies.match_index.release(key, held_by=holder)


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
    new = places_to_add(held, addresses)
    for address in new:
        dependencies.headquarters.save_address(survivor.account_number, address)
    if owner is not None and new:
        dependencies.customers.commit(owner.addresses_kept(new))
    return len(new)

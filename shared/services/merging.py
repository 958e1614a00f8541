"""Merging a duplicate HQ customer into the older one, the survivor.

Every step is safe to repeat, and the candidate says Merged only after the last one, so a merge
that stops half-way is finished by asking again, with nothing lost:
1. the merged customer's channel record names the survivor: its GUID resolves there, and search
   stops listing it; an edit through it from now on goes to the survivor;
2. its profile and consent history are folded into the survivor (survivorship: nothing is lost);
   its addresses and loyalty cards move to the survivor (copied first, removed after);
3. the survivor's record lists the merged account numbers;
4. the merged HQ master becomes a tombstone naming the survivor, so its account number and every
   GUID bound to it resolve to the survivor in every channel;
5. its match keys and search entries go;
6. the candidate says Merged.
Before step 1 the candidate says Merging, so it can no longer be dismissed; before that, a merge
that would have to drop a contact is refused (409 merge-exceeds-limits) with nothing changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.domain.address import Address
from shared.domain.consent import ConsentReason
from shared.domain.customer import CustomerChanges, CustomerRecord
from shared.domain.duplicates import DuplicateCandidate, DuplicateStatus, match_keys, verified_email_key
from shared.domain.errors import DomainError, DuplicateDismissed, MergeContended, NotFound
from shared.domain.events import EventType
from shared.domain.views import CustomerPublic
from shared.optimistic import retry_on_conflict
from shared.services.conversion import fold_and_replay
from shared.services.customer_events import mark_told, record_event
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies
from shared.services.duplicates import candidate_to_change
from shared.services.fault_points import (
    AFTER_MERGE_STARTED,
    AFTER_MERGED_ADDRESSES_MOVED,
    AFTER_MERGED_CARDS_MOVED,
    AFTER_MERGED_MASTER_TOMBSTONED,
    AFTER_MERGED_PROFILE_FOLDED,
    AFTER_MERGED_RECORD_REDIRECTED,
)
from shared.services.linking import give_addresses, release_claim
from shared.services.resolution import record_of_master, surviving_master
from shared.services.search import unindex_merged_customer
from shared.services.survivorship import refuse_unfit
from shared.storage.ports import HqCustomer, RecordChanged

logger = logging.getLogger(__name__)


def merge_duplicate(dependencies: Dependencies, *, duplicate_id: str) -> CustomerPublic:
    """Merges the candidate's newer HQ customer into the older; answers the survivor. Idempotent.

    The candidate says `Merging` (under its ETag, so a dismiss racing it loses) before anything
    moves, and `Merged` only once everything has: a merge cut short is finished by asking again or
    by the next conversion batch, and can no longer be dismissed."""

    def attempt() -> HqCustomer:
        candidate, version = candidate_to_change(dependencies, duplicate_id)
        if candidate.status is DuplicateStatus.DISMISSED:
            raise DuplicateDismissed(
                f"Duplicate candidate '{duplicate_id}' was dismissed: not the same person"
            )
        pair = _pair(dependencies, candidate)
        if candidate.status is DuplicateStatus.OPEN:
            _refuse_if_it_cannot_fit(dependencies, pair)
            candidate = candidate.model_copy(update={"status": DuplicateStatus.MERGING})
            version = dependencies.duplicates.set_status(candidate, version=version)
            dependencies.faults.reach(AFTER_MERGE_STARTED)
        survivor = _merge_pair(dependencies, candidate, pair)
        if candidate.status is DuplicateStatus.MERGING:
            merged = candidate.model_copy(update={"status": DuplicateStatus.MERGED})
            dependencies.duplicates.set_status(merged, version=version)
            logger.info(
                "Duplicate candidate %s merged into account %s", duplicate_id, survivor.account_number
            )
        return survivor

    survivor = retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=MergeContended(f"Duplicate candidate '{duplicate_id}' kept changing; merge it again"),
    )
    record = dependencies.customers.get(survivor.channel_id, survivor.customer_id)
    if record is None:
        raise NotFound(f"The survivor of duplicate candidate '{duplicate_id}' has no channel record")
    return customer_view(dependencies, record)


def finish_started_merges(dependencies: Dependencies) -> int:
    """The conversion batch's part: every merge that started and stopped is finished; answers how many."""
    finished = 0
    try:
        started = dependencies.duplicates.started_merges()
    except DomainError as error:  # HQ unreachable: the next run finishes them
        logger.warning("Could not list the merges to finish: %s", error.code)
        return 0
    for duplicate_id in started:
        try:
            merge_duplicate(dependencies, duplicate_id=duplicate_id)
            finished += 1
        except Exception as error:  # one merge that cannot finish now must not stop the others
            logger.warning(
                "Finishing the merge of duplicate candidate %s failed: %s", duplicate_id, type(error).__name__
            )
    return finished


def _pair(dependencies: Dependencies, candidate: DuplicateCandidate) -> tuple[HqCustomer, HqCustomer]:
    """What the pair stands for now, the older first: either side may have been merged since it
    was detected (then both are the same survivor)."""
    one = surviving_master(dependencies, candidate.candidate_account_number)
    two = surviving_master(dependencies, candidate.account_number)
    if one is None or two is None:
        raise NotFound(f"An HQ customer of duplicate candidate '{candidate.duplicate_id}' is missing")
    older, newer = sorted((one, two), key=lambda master: master.account_number)
    return older, newer


def _merge_pair(
    dependencies: Dependencies, candidate: DuplicateCandidate, pair: tuple[HqCustomer, HqCustomer]
) -> HqCustomer:
    """Folds the newer of the pair into the older, the survivor, and answers it."""
    one, two = pair
    if one.account_number == two.account_number:
        merged = dependencies.headquarters.get(candidate.account_number)
        if (
            candidate.status is DuplicateStatus.MERGING
            and merged is not None
            and merged.merged_into == one.account_number
        ):
            _fold(dependencies, merged, into=one)  # stopped after the tombstone: finish the rest
        return one
    _fold(dependencies, two, into=one)
    return one


def _fold(dependencies: Dependencies, merged: HqCustomer, *, into: HqCustomer) -> None:
    faults = dependencies.faults
    record = _changed(
        dependencies,
        merged,
        lambda current: (
            None
            if current.merged_into == into.account_number
            else current.merged_into_account(into.account_number)
        ),
    )
    faults.reach(AFTER_MERGED_RECORD_REDIRECTED)
    if record is not None:
        # The redirected record holds the merged customer's last profile: an edit made after the
        # redirect goes to the survivor, so none is lost between the two.
        fold_and_replay(dependencies, survivor=into, other=record, reason=ConsentReason.MERGE)
    faults.reach(AFTER_MERGED_PROFILE_FOLDED)
    moved = give_addresses(dependencies, into, _addresses_of(dependencies, merged, record))
    faults.reach(AFTER_MERGED_ADDRESSES_MOVED)
    cards = dependencies.headquarters.loyalty_cards(merged.account_number)
    for card in cards:
        dependencies.headquarters.move_loyalty_card(
            card, from_account=merged.account_number, to_account=into.account_number
        )
    faults.reach(AFTER_MERGED_CARDS_MOVED)
    numbers = [merged.account_number, *(record.merged_account_numbers if record else [])]
    _changed(
        dependencies,
        into,
        lambda current: (
            None
            if all(number in current.merged_account_numbers for number in numbers)
            else current.with_merged_accounts(numbers)
        ),
    )
    dependencies.headquarters.mark_merged(merged.account_number, into=into.account_number)
    record_event(
        dependencies,
        into.account_number,
        EventType.MERGED,
        change=f"merged:{merged.account_number}",
        merged_account_number=merged.account_number,
    )
    mark_told(dependencies, channel_id=into.channel_id, account_number=into.account_number)
    faults.reach(AFTER_MERGED_MASTER_TOMBSTONED)
    dependencies.match_index.remove(account_number=merged.account_number, keys=match_keys(merged.profile))
    claimed = verified_email_key(merged.profile)
    if claimed is not None:
        release_claim(
            dependencies, claimed, account_number=merged.account_number, customer_id=merged.customer_id
        )
    if record is not None:
        unindex_merged_customer(dependencies, record)
    logger.info(
        "Merged HQ account %s into %s: %d addresses and %d loyalty cards moved",
        merged.account_number,
        into.account_number,
        moved,
        len(cards),
    )


def _refuse_if_it_cannot_fit(dependencies: Dependencies, pair: tuple[HqCustomer, HqCustomer]) -> None:
    """A merge that would have to drop a contact is refused before anything changes."""
    older, newer = pair
    other = record_of_master(dependencies, newer)
    if older.account_number != newer.account_number and other is not None:
        refuse_unfit(dependencies, older, other)


def _addresses_of(
    dependencies: Dependencies, merged: HqCustomer, record: CustomerRecord | None
) -> list[Address]:
    """HQ's addresses and the channel record's (pending ones included), each once."""
    found = {
        address.address_id: address for address in dependencies.headquarters.addresses(merged.account_number)
    }
    if record is not None:
        for address in dependencies.customers.addresses(record.channel_id, record.customer_id):
            found.setdefault(address.address_id, address)
    return sorted(found.values(), key=lambda address: address.address_id)


def _changed(
    dependencies: Dependencies,
    master: HqCustomer,
    change: Callable[[CustomerRecord], CustomerChanges | None],
) -> CustomerRecord | None:
    """Applies `change` to the channel record that shows an HQ customer, re-reading on a conflict;
    `change` answers None when the record has it already."""

    def attempt() -> CustomerRecord | None:
        current = dependencies.customers.get(master.channel_id, master.customer_id)
        if current is None:
            return None
        changed = change(current)
        return current if changed is None else dependencies.customers.save(changed)

    return retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=MergeContended(f"HQ customer {master.account_number} kept changing; merge it again"),
    )

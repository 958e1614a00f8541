"""The review of a duplicate candidate: both customers side by side, and what a merge would leave."""

from __future__ import annotations

from shared.domain.address import places_to_add
from shared.domain.customer import CustomerRecord
from shared.domain.duplicates import DuplicateStatus
from shared.domain.errors import MergeExceedsLimits, NotFound
from shared.domain.survivorship import DuplicateReview, conflicts_between
from shared.domain.views import CustomerPublic
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies
from shared.services.duplicates import candidate_to_change
from shared.services.resolution import record_of_master, surviving_master
from shared.services.survivorship import preview


def review_duplicate(dependencies: Dependencies, *, duplicate_id: str) -> DuplicateReview:
    candidate, _ = candidate_to_change(dependencies, duplicate_id)
    survivor_master = surviving_master(dependencies, candidate.candidate_account_number)
    merged_master = dependencies.headquarters.get(candidate.account_number)
    survivor = record_of_master(dependencies, survivor_master) if survivor_master else None
    merged = record_of_master(dependencies, merged_master) if merged_master else None
    if survivor is None or merged is None:
        raise NotFound(f"A customer of duplicate candidate '{duplicate_id}' has no channel record")
    survivor_view, merged_view = customer_view(dependencies, survivor), customer_view(dependencies, merged)
    if candidate.status is DuplicateStatus.MERGED or merged.merged_into is not None:
        return DuplicateReview(
            duplicate=candidate,
            survivor=survivor_view,
            merged=merged_view,
            result=survivor_view,
            conflicts=[],
        )
    try:
        outcome = preview(dependencies, survivor, merged)
    except MergeExceedsLimits as refused:
        return DuplicateReview(
            duplicate=candidate,
            survivor=survivor_view,
            merged=merged_view,
            result=None,
            conflicts=conflicts_between(survivor.profile, merged.profile),
            refused_because=refused.message,
        )
    return DuplicateReview(
        duplicate=candidate,
        survivor=survivor_view,
        merged=merged_view,
        result=_result(dependencies, survivor.model_copy(update={"profile": outcome.profile}), merged),
        conflicts=outcome.conflicts,
    )


def _result(dependencies: Dependencies, survivor: CustomerRecord, merged: CustomerRecord) -> CustomerPublic:
    """The survivor with the merged profile, its addresses and the other's it lacks, and one more
    merged account number."""
    held = dependencies.customers.addresses(survivor.channel_id, survivor.customer_id)
    held += places_to_add(held, dependencies.customers.addresses(merged.channel_id, merged.customer_id))
    brought_numbers = [merged.account_number] if merged.account_number else []
    shown = survivor.with_merged_accounts(brought_numbers + merged.merged_account_numbers).record
    return CustomerPublic.of(shown, held, address_count=len(held))

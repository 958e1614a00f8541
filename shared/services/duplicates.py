"""Duplicate detection at conversion, and what ops do with a candidate.

Detection writes the new HQ customer's match keys first and reads the matches after, so of two
matching customers converted at the same time on different instances at least one sees the other:
the pair is recorded whichever sees it, under an id both would give it.
"""

from __future__ import annotations

import logging

from shared.domain.duplicates import (
    DuplicateCandidate,
    DuplicatePage,
    DuplicatePolicy,
    DuplicateStatus,
    duplicate_id,
    match_keys,
    verified_email_key,
)
from shared.domain.errors import DuplicateMergeStarted, NotFound
from shared.domain.paging import keyset_page, read_after
from shared.domain.profile import CustomerProfile
from shared.optimistic import retry_on_conflict
from shared.services.dependencies import Dependencies
from shared.services.linking import release_claim
from shared.storage.ports import MatchHit, RecordChanged

logger = logging.getLogger(__name__)


DEFAULT_DUPLICATE_PAGE = 50
MAX_DUPLICATE_PAGE = 100


def detect_duplicates(
    dependencies: Dependencies, *, account_number: str, customer_id: str, profile: CustomerProfile
) -> None:
    """Indexes a new HQ customer's match keys and records it against the oldest matching customer.

    Safe to repeat: the keys are upserts and a pair is recorded once.
    """
    if dependencies.settings.duplicate_policy is DuplicatePolicy.OFF:
        return
    keys = match_keys(profile)
    if not keys:
        return
    dependencies.match_index.add(account_number=account_number, customer_id=customer_id, keys=keys)
    hits = dependencies.match_index.matches(keys)
    mine = next((hit for hit in hits if hit.account_number == account_number), None)
    others = [hit for hit in hits if hit.account_number != account_number]
    if mine is None or not others:
        return
    oldest = hits[0]
    pairs = [(oldest, mine)] if oldest is not mine else [(mine, other) for other in others]
    for survivor, duplicate in pairs:
        _record(dependencies, survivor, duplicate)


def _record(dependencies: Dependencies, survivor: MatchHit, duplicate: MatchHit) -> None:
    """Records the pair if both masters still match: an entry an edit left behind matches no one."""
    older = dependencies.headquarters.get(survivor.account_number)
    newer = dependencies.headquarters.get(duplicate.account_number)
    if older is None or newer is None:
        return
    older_keys = match_keys(older.profile)
    matched_on = [key.matched_on for key in match_keys(newer.profile) if key in older_keys]
    if not matched_on:
        return
    dependencies.duplicates.record(
        DuplicateCandidate(
            duplicate_id=duplicate_id(survivor.account_number, duplicate.account_number),
            customer_id=newer.customer_id,
            channel_id=newer.channel_id,
            account_number=duplicate.account_number,
            candidate_account_number=survivor.account_number,
            matched_on=matched_on,
            detected_at=dependencies.clock(),
        )
    )
    logger.info(
        "Customer %s (account %s) may duplicate account %s, matched on %s",
        newer.customer_id,
        duplicate.account_number,
        survivor.account_number,
        ", ".join(kind.value for kind in matched_on),
        extra={"channelId": newer.channel_id, "customerId": newer.customer_id},
    )


def reindex_match_keys(
    dependencies: Dependencies,
    *,
    account_number: str,
    customer_id: str,
    before: CustomerProfile | None,
    after: CustomerProfile,
) -> None:
    """An edit replayed on HQ: the new keys are indexed, the ones the edit removed dropped, and a
    verified e-mail the customer no longer has releases its claim."""
    if dependencies.settings.duplicate_policy is DuplicatePolicy.OFF:
        return
    new_keys = match_keys(after)
    dependencies.match_index.add(account_number=account_number, customer_id=customer_id, keys=new_keys)
    if before is not None:
        gone = [key for key in match_keys(before) if key not in new_keys]
        dependencies.match_index.remove(account_number=account_number, keys=gone)
        claimed = verified_email_key(before)
        if claimed is not None and claimed != verified_email_key(after):
            release_claim(dependencies, claimed, account_number=account_number, customer_id=customer_id)


def list_duplicates(
    dependencies: Dependencies,
    *,
    status: DuplicateStatus | None,
    limit: int = DEFAULT_DUPLICATE_PAGE,
    cursor: str | None = None,
) -> DuplicatePage:
    """One page of candidates in a stable order (by id); `detectedAt` says how old each is."""
    found = dependencies.duplicates.listed(status, after=read_after(cursor), limit=limit + 1)
    items, next_cursor = keyset_page(found, limit, lambda candidate: candidate.duplicate_id)
    return DuplicatePage(items=items, next_cursor=next_cursor)


def candidate_to_change(dependencies: Dependencies, duplicate_id: str) -> tuple[DuplicateCandidate, str]:
    """The candidate and its version, for a change that must not overwrite another; 404 if unknown."""
    found = dependencies.duplicates.get(duplicate_id)
    if found is None:
        raise NotFound(f"No duplicate candidate '{duplicate_id}'")
    return found


def dismiss_duplicate(dependencies: Dependencies, *, duplicate_id: str) -> DuplicateCandidate:
    """Not the same person: the pair is never flagged again. Dismissing twice changes nothing; a
    candidate whose merge started is 409, as its merge is finished, never left half-done."""

    def attempt() -> DuplicateCandidate:
        candidate, version = candidate_to_change(dependencies, duplicate_id)
        if candidate.status in (DuplicateStatus.MERGING, DuplicateStatus.MERGED):
            raise DuplicateMergeStarted(
                f"Duplicate candidate '{duplicate_id}' is {candidate.status.value.lower()}: "
                "a started merge is finished, not dismissed"
            )
        if candidate.status is DuplicateStatus.DISMISSED:
            return candidate
        dismissed = candidate.model_copy(update={"status": DuplicateStatus.DISMISSED})
        dependencies.duplicates.set_status(dismissed, version=version)
        logger.info("Duplicate candidate %s dismissed", duplicate_id)
        return dismissed

    return retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=DuplicateMergeStarted(f"Duplicate candidate '{duplicate_id}' kept changing"),
    )

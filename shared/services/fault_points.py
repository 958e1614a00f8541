"""Named points on the create and conversion paths where a test can make the process stop dead.

A conversion's steps are named by the point reached after each (`CONVERSION_STEPS` in
`shared/services/conversion.py`), so its order is code, and every step is a point a test can use.

Production code calls `reach(point)` at each one; the default does nothing. A test passes a
`FaultPoints` that raises at a chosen point to prove that a crash there loses and duplicates nothing.
"""

from __future__ import annotations

BEFORE_CUSTOMER_WRITTEN = "before-customer-written"
AFTER_CUSTOMER_WRITTEN = "after-customer-written"
AFTER_ACCOUNT_NUMBER_ALLOCATED = "after-account-number-allocated"
AFTER_ACCOUNT_NUMBER_BOUND = "after-account-number-bound"
AFTER_SURVIVOR_FOLDED = "after-survivor-folded"
AFTER_LINK_RECORDED = "after-link-recorded"
AFTER_LOYALTY_EVENT_RECORDED = "after-loyalty-event-recorded"
AFTER_HQ_CUSTOMER_WRITTEN = "after-hq-customer-written"
AFTER_SEARCHABLE_EVERYWHERE = "after-searchable-everywhere"
AFTER_DUPLICATES_DETECTED = "after-duplicates-detected"
AFTER_CHANNEL_RECORD_UPDATED = "after-channel-record-updated"
AFTER_HQ_ADDRESS_WRITTEN = "after-hq-address-written"
AFTER_HQ_EDIT_REPLAYED = "after-hq-edit-replayed"
BEFORE_MATCH_KEYS_CLAIMED = "before-match-keys-claimed"
AFTER_MERGE_STARTED = "after-merge-started"
AFTER_MERGED_RECORD_REDIRECTED = "after-merged-record-redirected"
AFTER_MERGED_PROFILE_FOLDED = "after-merged-profile-folded"
AFTER_MERGED_ADDRESSES_MOVED = "after-merged-addresses-moved"
AFTER_MERGED_CARDS_MOVED = "after-merged-cards-moved"
AFTER_MERGED_MASTER_TOMBSTONED = "after-merged-master-tombstoned"
AFTER_ERASURE_MARKED = "after-erasure-marked"
AFTER_ERASURE_UNINDEXED = "after-erasure-unindexed"
AFTER_ERASURE_ROWS_REMOVED = "after-erasure-rows-removed"
AFTER_ERASURE_BLANKED = "after-erasure-blanked"

ALL_POINTS = (
    BEFORE_CUSTOMER_WRITTEN,
    AFTER_CUSTOMER_WRITTEN,
    AFTER_ACCOUNT_NUMBER_ALLOCATED,
    AFTER_ACCOUNT_NUMBER_BOUND,
    AFTER_SURVIVOR_FOLDED,
    AFTER_LINK_RECORDED,
    AFTER_HQ_CUSTOMER_WRITTEN,
    AFTER_SEARCHABLE_EVERYWHERE,
    AFTER_DUPLICATES_DETECTED,
    AFTER_CHANNEL_RECORD_UPDATED,
    AFTER_HQ_ADDRESS_WRITTEN,
    AFTER_HQ_EDIT_REPLAYED,
)

MERGE_POINTS = (
    AFTER_MERGE_STARTED,
    AFTER_MERGED_RECORD_REDIRECTED,
    AFTER_MERGED_PROFILE_FOLDED,
    AFTER_MERGED_ADDRESSES_MOVED,
    AFTER_MERGED_CARDS_MOVED,
    AFTER_MERGED_MASTER_TOMBSTONED,
)


ERASURE_POINTS = (
    AFTER_ERASURE_MARKED,
    AFTER_ERASURE_UNINDEXED,
    AFTER_ERASURE_ROWS_REMOVED,
    AFTER_ERASURE_BLANKED,
)


class FaultPoints:
    def reach(self, point: str) -> None:
        """Production: nothing happens here."""

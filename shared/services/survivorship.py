"""Folding one customer into the survivor, the same way for a merge and for a link.

The other customer's consent history is copied to the survivor first, then the survivor's channel
record takes the result of `survive` as an edit: in one transaction with its pending replay on the
HQ master and the consent entries it changed. Every step can be repeated: a copy writes the same
rows, and folding a customer already folded in changes nothing.
"""

from __future__ import annotations

import logging

from shared.domain.changes import consents_copied
from shared.domain.consent import ConsentChange, ConsentReason
from shared.domain.customer import CustomerRecord
from shared.domain.errors import FoldContended
from shared.domain.survivorship import Survivorship, survive
from shared.optimistic import retry_on_conflict
from shared.services.dependencies import Dependencies
from shared.services.profile_edits import save_profile_change
from shared.services.resolution import record_of_master
from shared.storage.ports import HqCustomer, RecordChanged

logger = logging.getLogger(__name__)

HISTORY_READ = 10_000  # a customer's whole consent history: a few entries a year


def preview(dependencies: Dependencies, survivor: CustomerRecord, other: CustomerRecord) -> Survivorship:
    """What folding `other` into `survivor` would leave, nothing written; MergeExceedsLimits if it
    cannot be done without dropping something."""
    events = _history(dependencies, survivor) + _history(dependencies, other)
    return survive(survivor.profile, other.profile, events)


def refuse_unfit(dependencies: Dependencies, survivor: HqCustomer, other: CustomerRecord) -> None:
    """MergeExceedsLimits when the survivor could not take in `other` without dropping a contact."""
    shown = record_of_master(dependencies, survivor)
    if shown is not None:
        preview(dependencies, shown, other)


def fold_into_survivor(
    dependencies: Dependencies, *, survivor: HqCustomer, other: CustomerRecord, reason: ConsentReason
) -> CustomerRecord | None:
    """Folds `other`'s profile and consent history into the survivor's channel record; answers the
    record as it is now (its edit waits in its pending operations for the HQ replay)."""
    # Once, before the retries: a copy writes the same rows whatever the survivor's record does.
    _copy_consent_history(dependencies, other, into=survivor)

    def attempt() -> CustomerRecord | None:
        record = record_of_master(dependencies, survivor)
        if record is None:
            return None
        result = survive(record.profile, other.profile, _history(dependencies, record))
        if result.profile.model_dump() == record.profile.model_dump():
            return record
        edited = save_profile_change(
            dependencies, record, result.profile, channel_id=other.channel_id, reason=reason
        )
        logger.info(
            "Folded customer %s into HQ account %s (%s)",
            other.customer_id,
            survivor.account_number,
            reason.value,
            extra={"channelId": record.channel_id, "customerId": record.customer_id},
        )
        return edited

    return retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=FoldContended(f"HQ customer {survivor.account_number} kept changing; try again"),
    )


def _copy_consent_history(dependencies: Dependencies, other: CustomerRecord, *, into: HqCustomer) -> None:
    """`other`'s consent history, entry by entry, into the survivor's channel record's."""
    history = dependencies.customers.consents(other.channel_id, other.customer_id)
    dependencies.customers.commit(
        consents_copied(
            history, source=other.customer_id, channel_id=into.channel_id, customer_id=into.customer_id
        )
    )


def _history(dependencies: Dependencies, record: CustomerRecord) -> list[ConsentChange]:
    found = dependencies.customers.consents(record.channel_id, record.customer_id, limit=HISTORY_READ)
    return [change for _, change in found]

"""Saving a new profile on a channel record: what an edit does, and what a merge or a link does to
the survivor, one way."""

from __future__ import annotations

from shared.domain.consent import ConsentReason
from shared.domain.customer import CustomerRecord
from shared.domain.profile import CustomerProfile
from shared.services.dependencies import Dependencies
from shared.services.search import index_before_edit, reindex_after_edit


def save_profile_change(
    dependencies: Dependencies,
    record: CustomerRecord,
    profile: CustomerProfile,
    *,
    channel_id: str,
    reason: ConsentReason | None = None,
) -> CustomerRecord:
    """The record with `profile`, saved under its ETag with its HQ replay pending and the consent
    changes it makes (recorded as made in `channel_id`). The new search terms are written before, so
    the customer is findable by them at once; the ones it dropped are removed after."""
    index_before_edit(dependencies, record.model_copy(update={"profile": profile}))
    edited = dependencies.customers.save(
        record.edited(profile, at=dependencies.clock(), channel_id=channel_id, reason=reason)
    )
    reindex_after_edit(dependencies, record, edited)
    return edited

"""Editing a customer: synced customers any time; pending ones only with `asyncCustomerEdits` (10.0.29).

An edit changes the channel record at once and becomes a sync operation, in the same transaction;
the operation replays it on the HQ customer — within the request for a synced customer when HQ
answers in time, otherwise after conversion or as soon as HQ is back.
"""

from __future__ import annotations

from typing import Any

from shared.domain.access_log import AccessAction
from shared.domain.channel import Channel
from shared.domain.creation import ENHANCED_FLAG
from shared.domain.customer import CustomerRecord
from shared.domain.errors import (
    AsyncCustomerNotEditable,
    CustomerNotFound,
    DomainError,
    FieldError,
    ValidationFailed,
    VersionMismatch,
)
from shared.domain.profile import CustomerProfile, CustomerUpdate
from shared.domain.validation import parse_model
from shared.domain.views import CustomerPublic
from shared.optimistic import retry_on_conflict
from shared.services.access_log import note_access
from shared.services.attributes import with_checked_attributes
from shared.services.channels import require_channel
from shared.services.conversion import replay_operations
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies
from shared.services.profile_edits import save_profile_change
from shared.services.resolution import find_customer
from shared.services.sync_messages import announce_sync
from shared.storage.ports import RecordChanged


def edit_customer(
    dependencies: Dependencies,
    *,
    channel_id: str,
    ref: str,
    body: Any,
    if_match: str | None = None,
) -> CustomerPublic:
    channel = require_channel(dependencies, channel_id)
    update = parse_model(CustomerUpdate, body, context={"default_country": channel.default_country})

    def attempt() -> CustomerPublic:
        record = find_customer(dependencies, channel_id=channel_id, ref=ref, to_change=True)
        if record is None:
            raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
        if record.is_pending and not channel.async_customer_edits:
            raise AsyncCustomerNotEditable(
                f"Customer {record.customer_id} is pending synchronization; the channel's "
                "'asyncCustomerEdits' flag is off"
            )
        if if_match is not None and if_match != record.version:
            raise VersionMismatch("If-Match does not match the customer's current version")
        profile = _edited_profile(dependencies, update, record, channel)
        try:
            edited = save_profile_change(dependencies, record, profile, channel_id=channel.channel_id)
        except RecordChanged:
            if if_match is not None:  # the client asked for this very version: no second try
                raise VersionMismatch("The customer changed while it was being edited") from None
            raise
        _replay_or_announce(dependencies, edited)
        refreshed = dependencies.customers.get(edited.channel_id, edited.customer_id) or edited
        return customer_view(dependencies, refreshed)

    view = retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=VersionMismatch("The customer kept changing; read it again and retry"),
    )
    note_access(dependencies, AccessAction.EDIT, [view])
    return view


def _edited_profile(
    dependencies: Dependencies, update: CustomerUpdate, record: CustomerRecord, channel: Channel
) -> CustomerProfile:
    profile = update.applied_to(record.profile)
    sent = update.changes().get("attributes")
    if sent:
        profile = with_checked_attributes(dependencies, profile, changed=set(sent), creating=False)
    errors = [FieldError(name, why) for name, why in profile.missing_fields()]
    if record.is_pending and not channel.enhanced_async_customers:
        errors += [
            FieldError(
                name, f"needs the channel's '{ENHANCED_FLAG}' flag for a customer pending in async mode"
            )
            for name in profile.enhanced_fields_present()
        ]
    if errors:
        raise ValidationFailed(errors)
    return profile


def _replay_or_announce(dependencies: Dependencies, record: CustomerRecord) -> None:
    """Replays at once on a synced customer if HQ answers in time; otherwise leaves it to the queue."""
    if not record.is_pending:
        operations = [
            operation
            for operation in dependencies.customers.pending_operations(record.channel_id, record.customer_id)
            if operation.edit_sequence is not None
        ]
        try:
            dependencies.hq_calls.within_timeout(replay_operations, dependencies, record, operations)
            return
        except DomainError:
            pass
    announce_sync(dependencies, channel_id=record.channel_id, customer_id=record.customer_id)

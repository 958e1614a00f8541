"""Creating and reading customers from a POS terminal or a web checkout."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from shared.domain.access_log import AccessAction
from shared.domain.address import Address
from shared.domain.channel import Channel
from shared.domain.creation import (
    addresses_sync_in_request,
    check_async_create,
    planned_creation_mode,
)
from shared.domain.customer import CustomerRecord
from shared.domain.errors import CustomerErased, CustomerIdConflict, CustomerNotFound, DomainError
from shared.domain.profile import CustomerCreate, CustomerProfile
from shared.domain.validation import parse_customer_create
from shared.domain.values import CreationMode, FallbackReason, SyncStatus
from shared.domain.views import CustomerPublic
from shared.optimistic import retry_on_conflict
from shared.services import metrics
from shared.services.access_log import note_access
from shared.services.attributes import with_checked_attributes
from shared.services.channels import require_channel
from shared.services.conversion import convert_async_customer
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies
from shared.services.fault_points import AFTER_CUSTOMER_WRITTEN, BEFORE_CUSTOMER_WRITTEN
from shared.services.resolution import find_customer
from shared.services.sync_messages import announce_sync
from shared.storage.ports import RecordChanged, RowAlreadyExists

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreatedCustomer:
    customer: CustomerPublic
    created: bool


def create_customer(
    dependencies: Dependencies,
    *,
    channel_id: str,
    body: Any,
    idempotency_key: str | None = None,
    created_offline: bool = False,
) -> CreatedCustomer:
    started = time.perf_counter()
    created = _create(
        dependencies,
        channel_id=channel_id,
        body=body,
        idempotency_key=idempotency_key,
        created_offline=created_offline,
    )
    if created.created:
        customer = created.customer
        mode = {"mode": customer.creation_mode.value}
        reason = customer.fallback_reason.value if customer.fallback_reason else "none"
        metrics.creates.add(1, {**mode, "fallbackReason": reason})
        metrics.create_duration.record((time.perf_counter() - started) * 1000.0, mode)
    note_access(dependencies, AccessAction.CREATE, [created.customer])
    return created


def _create(
    dependencies: Dependencies,
    *,
    channel_id: str,
    body: Any,
    idempotency_key: str | None,
    created_offline: bool,
) -> CreatedCustomer:
    channel = require_channel(dependencies, channel_id)
    request = parse_customer_create(body, default_country=channel.default_country)
    mode = planned_creation_mode(channel, created_offline=created_offline)
    if mode is CreationMode.ASYNC:
        check_async_create(channel, request)
    customer_id = str(request.customer_id) if request.customer_id else None
    if customer_id is None and idempotency_key is not None:
        # A replay names no id: its key says which customer it made. Reading is all a replay costs.
        customer_id = dependencies.customers.customer_id_for_idempotency_key(
            channel.channel_id, idempotency_key
        )
        if customer_id is not None:
            return CreatedCustomer(_replayed(dependencies, channel, request, customer_id), created=False)
    profile = with_checked_attributes(
        dependencies,
        with_store_defaults(request.profile(), channel),
        # A till offline could not know a definition made meanwhile: required ones wait for its edits.
        creating=not created_offline,
    )
    record = CustomerRecord(
        customer_id=customer_id or str(uuid.uuid4()),
        channel_id=channel.channel_id,
        profile=profile,
        sync_status=SyncStatus.PENDING,
        creation_mode=mode,
        created_at=dependencies.clock(),
        request_fingerprint=request.fingerprint(),
    )
    addresses = [
        Address.from_request(item, sync_status=SyncStatus.PENDING, at=record.created_at, position=position)
        for position, item in enumerate(request.addresses)
    ]
    claim = dependencies.customer_ids.claim(record.customer_id, channel.channel_id)
    if claim.owner != channel.channel_id:
        raise CustomerIdConflict(f"Customer id {record.customer_id} belongs to another channel")
    if not claim.taken_now:
        existing = dependencies.customers.get(channel.channel_id, record.customer_id)
        if existing is not None:  # a retry: answer from the record, write nothing
            return CreatedCustomer(
                _replayed(dependencies, channel, request, record.customer_id), created=False
            )
        # Else an earlier attempt claimed the id and stopped before writing the customer: go on.
    dependencies.faults.reach(BEFORE_CUSTOMER_WRITTEN)
    try:
        # The customer's search entries in its channel go in the same transaction as the record.
        record = dependencies.customers.save(record.created(addresses, idempotency_key=idempotency_key))
    except RowAlreadyExists:  # a concurrent create of the same id or key got there first
        replayed_id = record.customer_id
        if request.customer_id is None and idempotency_key is not None:
            replayed_id = (
                dependencies.customers.customer_id_for_idempotency_key(channel.channel_id, idempotency_key)
                or replayed_id
            )
        return CreatedCustomer(_replayed(dependencies, channel, request, replayed_id), created=False)
    dependencies.faults.reach(AFTER_CUSTOMER_WRITTEN)
    if mode is CreationMode.SYNC:
        record = _create_in_headquarters(dependencies, channel, record)
    if record.is_pending:
        # Nothing has synced yet, so the addresses are as written: no need to read them back.
        announce_sync(dependencies, channel_id=record.channel_id, customer_id=record.customer_id)
        return CreatedCustomer(
            CustomerPublic.of(record, addresses, address_count=len(addresses)), created=True
        )
    view = customer_view(dependencies, record)
    if any(address.sync_status is SyncStatus.PENDING for address in view.addresses):
        announce_sync(dependencies, channel_id=record.channel_id, customer_id=record.customer_id)
    return CreatedCustomer(view, created=True)


def with_store_defaults(profile: CustomerProfile, channel: Channel) -> CustomerProfile:
    """What the request leaves out, the store's default customer gives (D365's default customer)."""
    defaults = channel.customer_defaults.model_dump(exclude_none=True)
    missing = {name: value for name, value in defaults.items() if getattr(profile, name) is None}
    return profile.model_copy(update=missing) if missing else profile


def _create_in_headquarters(
    dependencies: Dependencies, channel: Channel, record: CustomerRecord
) -> CustomerRecord:
    """The real-time call to HQ; on failure or time-out the customer silently becomes async."""
    try:
        return dependencies.hq_calls.within_timeout(
            _convert_now,
            dependencies,
            record,
            with_addresses=addresses_sync_in_request(channel, record.creation_mode),
        )
    except DomainError as error:
        logger.warning(
            "HQ did not create customer %s of channel %s in time (%s); falling back to async",
            record.customer_id,
            record.channel_id,
            type(error).__name__,
            extra={"channelId": record.channel_id, "customerId": record.customer_id},
        )
    return _fall_back_to_async(dependencies, record)


def _convert_now(
    dependencies: Dependencies, record: CustomerRecord, *, with_addresses: bool
) -> CustomerRecord:
    convert_async_customer(
        dependencies,
        channel_id=record.channel_id,
        customer_id=record.customer_id,
        sync_addresses=with_addresses,
    )
    return dependencies.customers.get(record.channel_id, record.customer_id) or record


def _fall_back_to_async(dependencies: Dependencies, record: CustomerRecord) -> CustomerRecord:
    """Notes the fallback on the pending record; a record that is synced meanwhile is left alone."""

    def attempt() -> CustomerRecord:
        current = dependencies.customers.get(record.channel_id, record.customer_id)
        if current is None or not current.is_pending:
            return current or record
        return dependencies.customers.save(current.fell_back(FallbackReason.HEADQUARTERS_UNAVAILABLE))

    return retry_on_conflict(attempt, conflicts=(RecordChanged,), exhausted=lambda: record)


def _replayed(
    dependencies: Dependencies, channel: Channel, request: CustomerCreate, customer_id: str
) -> CustomerPublic:
    """A retry of an earlier create: the same body gets the same customer, another body a 409."""
    existing = dependencies.customers.get(channel.channel_id, customer_id)
    if existing is None:
        raise CustomerIdConflict("This idempotency key was used for a different customer id")
    if existing.erased_at is not None:
        raise CustomerErased(f"Customer '{customer_id}' was erased at their request")
    if existing.request_fingerprint != request.fingerprint():
        raise CustomerIdConflict(
            f"Customer '{existing.customer_id}' was already created with a different body"
        )
    return customer_view(dependencies, existing)


def get_customer(dependencies: Dependencies, *, channel_id: str, ref: str) -> CustomerPublic:
    """By GUID or account number; pending customers are only visible in their own channel."""
    require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    view = customer_view(dependencies, record)
    note_access(dependencies, AccessAction.READ, [view])
    return view

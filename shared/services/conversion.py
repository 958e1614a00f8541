"""Conversion: a pending async customer becomes exactly one HQ customer with a real account number,
then its pending addresses and edits are synced after it, in order.

Every step is safe to repeat, so a redelivered message, a concurrent delivery, the batch racing the
queue, or a crash at any point ends with one HQ customer and one account number per customer:
- the GUID -> account-number binding in HQ is create-only, so the first binding wins for good;
- a number that lost the race goes back to the allocator's block instead of being burnt;
- the HQ master is written under the account number and never goes back to an older edit;
- the channel record is marked synced with an ETag check, together with completing its operation.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from shared.domain.account_number import format_account_number
from shared.domain.address import Address
from shared.domain.changes import operation_done, operation_failed
from shared.domain.consent import ConsentReason
from shared.domain.customer import CustomerRecord
from shared.domain.duplicates import DuplicatePolicy
from shared.domain.errors import ConversionContended, DomainError, MergeExceedsLimits
from shared.domain.events import EventType
from shared.domain.operations import (
    OperationKind,
    OperationRef,
    OperationState,
    SyncOperation,
    describe_failure,
    new_operation,
)
from shared.domain.sync import ConversionOutcome
from shared.optimistic import retry_on_conflict
from shared.services import metrics
from shared.services.customer_events import edit_events, event_data, new_event, record_event
from shared.services.customer_views import first_addresses
from shared.services.dependencies import Dependencies
from shared.services.duplicates import detect_duplicates, reindex_match_keys
from shared.services.erasure import finish_erasure_of
from shared.services.fault_points import (
    AFTER_ACCOUNT_NUMBER_ALLOCATED,
    AFTER_ACCOUNT_NUMBER_BOUND,
    AFTER_CHANNEL_RECORD_UPDATED,
    AFTER_DUPLICATES_DETECTED,
    AFTER_HQ_ADDRESS_WRITTEN,
    AFTER_HQ_CUSTOMER_WRITTEN,
    AFTER_HQ_EDIT_REPLAYED,
    AFTER_LINK_RECORDED,
    AFTER_SEARCHABLE_EVERYWHERE,
    AFTER_SURVIVOR_FOLDED,
)
from shared.services.linking import add_linked_address, link_target
from shared.services.resolution import surviving_master
from shared.services.search import index_converted_customer
from shared.services.survivorship import fold_into_survivor, refuse_unfit
from shared.storage.ports import HqCustomer, RecordChanged

logger = logging.getLogger(__name__)

# Reads a conversion makes beside its own, so they add no round trip to its path.
_SIDE_READS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="conversion-side-reads")


def convert_async_customer(
    dependencies: Dependencies, *, channel_id: str, customer_id: str, sync_addresses: bool = True
) -> ConversionOutcome:
    """Converts one customer, then replays its pending addresses and edits; safe to repeat."""

    started = time.perf_counter()

    def attempt() -> ConversionOutcome:
        record = dependencies.customers.get(channel_id, customer_id)
        if record is None:
            return ConversionOutcome.NOT_FOUND
        if record.erased_at is not None:  # erased: nothing is converted, and what was is erased too
            finish_erasure_of(dependencies, record)
            return ConversionOutcome.NOT_FOUND
        addresses = _addresses_beside(dependencies, record)
        operations = dependencies.customers.pending_operations(channel_id, customer_id)
        if record.is_pending:
            operation = _create_operation(record, operations)
            record = _convert(dependencies, Converting(record, operation, addresses=addresses))
            outcome = ConversionOutcome.CONVERTED
        else:
            outcome = ConversionOutcome.ALREADY_SYNCED
        follow_ups = [op for op in operations if op.kind is not OperationKind.CUSTOMER_CREATE]
        if not sync_addresses:
            follow_ups = [op for op in follow_ups if op.kind is not OperationKind.ADDRESS_CREATE]
        replay_operations(dependencies, record, follow_ups)
        if outcome is ConversionOutcome.CONVERTED:
            logger.info(
                "Converted async customer %s of channel %s to an HQ customer",
                customer_id,
                channel_id,
                extra={"channelId": channel_id, "customerId": customer_id},
            )
            linked = {"linkedToExisting": record.linked_to_existing}
            metrics.conversions.add(1, linked)
            metrics.conversion_duration.record((time.perf_counter() - started) * 1000.0, linked)
        return outcome

    return retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=ConversionContended(f"Customer {customer_id} changed during every conversion attempt"),
    )


def _create_operation(record: CustomerRecord, operations: list[SyncOperation]) -> SyncOperation:
    for operation in operations:
        if operation.kind is OperationKind.CUSTOMER_CREATE:
            return operation
    # The create operation and the pending record are written together; this only fills a gap
    # left by hand-edited storage, so the record can still be completed.
    return new_operation(OperationRef(record.channel_id, record.customer_id), record.created_at)


@dataclass(frozen=True)
class Converting:
    """What a conversion knows as it goes: the pending record and its create operation, then the
    account number it is bound to and whether that is another customer's (linked)."""

    record: CustomerRecord
    operation: SyncOperation
    account_number: str = ""
    linked: bool = False
    synced: CustomerRecord | None = None
    addresses: Future[list[Address]] | None = None


@dataclass(frozen=True)
class ConversionStep:
    """One idempotent step; its name is the fault point reached right after it, so a test can stop
    a conversion after any step and prove that running it again makes exactly one HQ customer."""

    name: str
    run: Callable[[Dependencies, Converting], Converting]
    applies: Callable[[Converting], bool] = lambda _: True


def _bind(dependencies: Dependencies, state: Converting) -> Converting:
    if dependencies.settings.duplicate_policy is DuplicatePolicy.LINK:
        account_number, linked = _bind_or_link(dependencies, state.record)
    else:
        account_number, linked = (
            bind_account_number(dependencies, customer_id=state.record.customer_id),
            False,
        )
    return replace(state, account_number=account_number, linked=linked)


def _fold_into_existing(dependencies: Dependencies, state: Converting) -> Converting:
    """What a linked customer brought (its profile as edited while pending, its consent history)
    goes to the HQ customer before the record says synced: a crash after it folds it again,
    changing nothing."""
    survivor = surviving_master(dependencies, state.account_number)
    if survivor is not None:
        fold_and_replay(dependencies, survivor=survivor, other=state.record, reason=ConsentReason.LINK)
    return state


def fold_and_replay(
    dependencies: Dependencies, *, survivor: HqCustomer, other: CustomerRecord, reason: ConsentReason
) -> None:
    """Folds `other` into the survivor, then brings the survivor's HQ master up to that edit (left
    pending for the queue or the batch if HQ fails now)."""
    folded = fold_into_survivor(dependencies, survivor=survivor, other=other, reason=reason)
    if folded is not None:
        replay_operations(dependencies, folded, pending_edits(dependencies, folded))


def _write_master(dependencies: Dependencies, state: Converting) -> Converting:
    """The master and its `customer.synced` event: one transaction, so neither is ever alone."""
    synced = state.record.as_synced(state.account_number, dependencies.clock())
    first = state.addresses.result() if state.addresses is not None else None
    events = new_event(
        dependencies, EventType.SYNCED, lambda: event_data(dependencies, synced, addresses=first)
    )
    dependencies.headquarters.save_master(_master(state.record, state.account_number), events)
    return state


def _record_link(dependencies: Dependencies, state: Converting) -> Converting:
    """The HQ customer it joined tells it was joined; recorded once, however often this runs."""
    record_event(
        dependencies,
        state.account_number,
        EventType.LINKED,
        change=f"linked:{state.record.customer_id}",
        linked_customer_id=state.record.customer_id,
        linked_channel_id=state.record.channel_id,
    )
    return state


def _index_everywhere(dependencies: Dependencies, state: Converting) -> Converting:
    """Searchable in every channel before the record says synced, so no crash can hide it."""
    index_converted_customer(
        dependencies, state.record.model_copy(update={"account_number": state.account_number})
    )
    return state


def _detect(dependencies: Dependencies, state: Converting) -> Converting:
    """Before the record says synced, so a crash never skips detection: a rerun repeats it."""
    detect_duplicates(
        dependencies,
        account_number=state.account_number,
        customer_id=state.record.customer_id,
        profile=state.record.profile,
    )
    return state


def _mark_synced(dependencies: Dependencies, state: Converting) -> Converting:
    """The record says synced and its create operation is done, in one ETag-checked transaction that
    also drops its pending search entries (a linked customer is listed as the one it joined)."""
    record = state.record
    synced = dependencies.customers.save(
        record.synced(
            state.account_number, dependencies.clock(), operation=state.operation, linked=state.linked
        )
    )
    if state.linked:
        logger.info(
            "Linked async customer %s of channel %s to existing HQ account %s",
            record.customer_id,
            record.channel_id,
            state.account_number,
            extra={"channelId": record.channel_id, "customerId": record.customer_id},
        )
    dependencies.event_publisher.notify(record.channel_id, state.account_number)
    return replace(state, synced=synced)


def _own(state: Converting) -> bool:
    return not state.linked


def _joined(state: Converting) -> bool:
    return state.linked


# A conversion, in order: every step can be repeated, and the record says synced only at the end.
CONVERSION_STEPS = (
    ConversionStep(AFTER_ACCOUNT_NUMBER_BOUND, _bind),
    ConversionStep(AFTER_SURVIVOR_FOLDED, _fold_into_existing, applies=_joined),
    ConversionStep(AFTER_LINK_RECORDED, _record_link, applies=_joined),
    ConversionStep(AFTER_HQ_CUSTOMER_WRITTEN, _write_master, applies=_own),
    ConversionStep(AFTER_SEARCHABLE_EVERYWHERE, _index_everywhere, applies=_own),
    ConversionStep(AFTER_DUPLICATES_DETECTED, _detect, applies=_own),
    ConversionStep(AFTER_CHANNEL_RECORD_UPDATED, _mark_synced),
)


def _addresses_beside(dependencies: Dependencies, record: CustomerRecord) -> Future[list[Address]] | None:
    """A pending customer's addresses, for the event of its conversion, read side by side with its
    operations: the event costs the conversion no round trip of its own."""
    if not (record.is_pending and dependencies.settings.events_enabled):
        return None
    return _SIDE_READS.submit(first_addresses, dependencies, record)


def _convert(dependencies: Dependencies, state: Converting) -> CustomerRecord:
    operation = state.operation
    for step in CONVERSION_STEPS:
        if not step.applies(state):
            continue
        try:
            state = step.run(dependencies, state)
            dependencies.faults.reach(step.name)
        except RecordChanged:
            raise
        except Exception as error:
            if state.synced is None:  # once synced, the operation is done: nothing failed
                _record_failure(dependencies, operation, error)
            raise
    assert state.synced is not None, "the last step marks the record synced"
    return state.synced


def _bind_or_link(dependencies: Dependencies, record: CustomerRecord) -> tuple[str, bool]:
    """The account the customer is bound to, and whether that HQ customer is another's (linked)."""
    bound = dependencies.headquarters.account_number_of(record.customer_id)
    if bound is None:
        target = link_target(dependencies, record)
        if target is not None and not _fits(dependencies, target, record):
            target = None  # linking would drop a contact: its own HQ customer, flagged instead
        if target is None:
            return bind_account_number(dependencies, customer_id=record.customer_id), False
        bound = dependencies.headquarters.bind_account_number(record.customer_id, target)
    # Bound before (a redelivery, or a concurrent delivery won): whose master it is decides.
    master = dependencies.headquarters.get(bound)
    return bound, master is not None and master.customer_id != record.customer_id


def _fits(dependencies: Dependencies, account_number: str, record: CustomerRecord) -> bool:
    survivor = surviving_master(dependencies, account_number)
    try:
        if survivor is not None:
            refuse_unfit(dependencies, survivor, record)
    except MergeExceedsLimits:
        return False
    return True


def _master(record: CustomerRecord, account_number: str) -> HqCustomer:
    return HqCustomer(
        account_number=account_number,
        customer_id=record.customer_id,
        channel_id=record.channel_id,
        profile=record.profile,
        edit_sequence=record.edit_count,
    )


def bind_account_number(dependencies: Dependencies, *, customer_id: str) -> str:
    """The customer's account number: the next one of the sequence, unless HQ bound one already.

    Create-first: the number usually comes from this instance's block (no round trip) and the
    create-only binding decides in one round trip; a redelivery's number is given back and used next.
    """
    number = dependencies.account_numbers.next_number()
    dependencies.faults.reach(AFTER_ACCOUNT_NUMBER_ALLOCATED)
    candidate = format_account_number(number, dependencies.settings.customer_account_format)
    bound = dependencies.headquarters.bind_account_number(customer_id, candidate)
    if bound != candidate:
        dependencies.account_numbers.give_back(number)
    return bound


def replay_operations(
    dependencies: Dependencies, record: CustomerRecord, operations: list[SyncOperation]
) -> int:
    """Syncs a synced customer's pending addresses and edits to HQ, in the order they were made."""
    if record.account_number is None:
        return 0
    done = 0
    for operation in operations:
        if operation.kind not in (OperationKind.ADDRESS_CREATE, OperationKind.CUSTOMER_EDIT):
            continue
        try:
            told: str | None
            if operation.kind is OperationKind.ADDRESS_CREATE:
                told = _sync_address(dependencies, record, operation)
            else:
                told = _replay_edit(dependencies, record, operation)
            if not dependencies.settings.events_enabled:
                told = None
            dependencies.customers.commit(operation_done(operation, dependencies.clock(), told=told))
            if told is not None:
                dependencies.event_publisher.notify(operation.channel_id, told)
        except RecordChanged:
            if not _completed_elsewhere(dependencies, operation):
                raise
            # Another converter finished it meanwhile (the queue and the batch, or two deliveries):
            # the work is done, which is what this converter wanted.
        except Exception as error:
            _record_failure(dependencies, operation, error)
            raise
        done += 1
    return done


def pending_edits(dependencies: Dependencies, record: CustomerRecord) -> list[SyncOperation]:
    """The record's edits HQ has not applied yet, in the order they were made."""
    return [
        operation
        for operation in dependencies.customers.pending_operations(record.channel_id, record.customer_id)
        if operation.kind is OperationKind.CUSTOMER_EDIT
    ]


def _completed_elsewhere(dependencies: Dependencies, operation: SyncOperation) -> bool:
    current = dependencies.customers.operation(operation.ref)
    return current is not None and current.state is OperationState.SYNCED


def _sync_address(dependencies: Dependencies, record: CustomerRecord, operation: SyncOperation) -> str | None:
    """HQ takes the address, then records its event; answers the account told of it. An address the
    customer came with is in the customer's `customer.synced` already: it records no event of its own."""
    assert record.account_number is not None and operation.address_id is not None
    address = dependencies.customers.address(record.channel_id, record.customer_id, operation.address_id)
    if address is not None and record.linked_to_existing:
        add_linked_address(dependencies, record, address)
    elif address is not None:
        dependencies.headquarters.save_address(record.account_number, address)
    dependencies.faults.reach(AFTER_HQ_ADDRESS_WRITTEN)
    if address is None or operation.created_at <= record.created_at:
        return None
    told = record_event(
        dependencies,
        record.account_number,
        EventType.ADDRESS_ADDED,
        change=f"address:{address.address_id}",
        shown=None if record.linked_to_existing else record,
        synced_address=address.address_id,
        address_id=address.address_id,
    )
    return told


def _replay_edit(dependencies: Dependencies, record: CustomerRecord, operation: SyncOperation) -> str | None:
    """Brings the HQ master at least to this edit, with its events; the channel record holds every
    edit so far. Answers the account told of it."""
    assert record.account_number is not None
    if record.linked_to_existing:
        # Edited while pending, then linked: the link folded the record as it was then (every
        # edit made while pending) into the HQ customer. Edits made after the link go to it.
        return None
    current = dependencies.customers.get(record.channel_id, record.customer_id) or record
    before = dependencies.headquarters.get(record.account_number)
    if before is None or before.edit_sequence < current.edit_count:
        events = edit_events(dependencies, current, before.profile if before is not None else None)
    else:
        events = []  # HQ has this edit, and its events, already
    dependencies.headquarters.save_master(_master(current, record.account_number), events)
    reindex_match_keys(
        dependencies,
        account_number=record.account_number,
        customer_id=record.customer_id,
        before=before.profile if before is not None else None,
        after=current.profile,
    )
    dependencies.faults.reach(AFTER_HQ_EDIT_REPLAYED)
    return record.account_number


def _count_failure(dependencies: Dependencies, ref: OperationRef, error: str) -> None:
    """Counts a failed attempt on the operation as it is now; one done meanwhile counts nothing."""

    def attempt() -> None:
        current = dependencies.customers.operation(ref)
        if current is not None and current.state is not OperationState.SYNCED:
            dependencies.customers.commit(operation_failed(current, error, dependencies.clock()))

    retry_on_conflict(attempt, conflicts=(RecordChanged,), exhausted=lambda: None)


def _record_failure(dependencies: Dependencies, operation: SyncOperation, error: BaseException) -> None:
    try:
        _count_failure(dependencies, operation.ref, describe_failure(error))
    except Exception:  # the attempt failed already; losing its count must not hide why
        logger.warning("Could not record the failure of operation %s", operation.operation_id)
    code = error.code if isinstance(error, DomainError) else type(error).__name__
    metrics.conversion_failures.add(1, {"errorCode": code, "kind": operation.kind.value})
    logger.warning(
        "Sync operation %s failed: %s",
        operation.operation_id,
        type(error).__name__,
        extra={
            "channelId": operation.channel_id,
            "customerId": operation.customer_id,
            "operationId": operation.operation_id,
            "errorCode": code,
        },
    )

"""A channel customer's and a sync operation's life, as the domain decides it: no storage at all,
the way cosmicpython tests its `Product`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.customer import CustomerRecord
from shared.domain.errors import CustomerAlreadySynced, OperationAlreadySynced
from shared.domain.operations import OperationKind, OperationRef, OperationState, edit_target, new_operation
from shared.domain.profile import CustomerProfile
from shared.domain.values import CreationMode, FallbackReason, SyncStatus

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
CUSTOMER = "3f2b1c4d-0000-4000-8000-000000000001"


def pending(**fields: object) -> CustomerRecord:
    values: dict[str, object] = {
        "customer_id": CUSTOMER,
        "channel_id": "store-042",
        "profile": CustomerProfile(first_name="Ada", last_name="Lovelace"),
        "sync_status": SyncStatus.PENDING,
        "creation_mode": CreationMode.SYNC,
        "created_at": NOW,
        "version": "W/1",
    }
    values.update(fields)
    return CustomerRecord.model_validate(values)


def test_a_pending_customer_synced_carries_its_account_number_and_when() -> None:
    synced = pending().synced("C000000042", NOW + timedelta(seconds=3))
    assert (synced.sync_status, synced.account_number) == (SyncStatus.SYNCED, "C000000042")
    assert synced.synced_at == NOW + timedelta(seconds=3) and not synced.linked_to_existing
    assert not synced.is_pending and not synced.redirects


def test_a_linked_customer_shows_the_existing_account_and_redirects_its_changes() -> None:
    linked = pending().synced("C000000007", NOW, linked=True)
    assert linked.account_number == "C000000007" and linked.linked_to_existing and linked.redirects


def test_a_customer_is_synced_once() -> None:
    with pytest.raises(CustomerAlreadySynced):
        pending().synced("C1", NOW).synced("C2", NOW)


def test_a_sync_create_that_falls_back_is_async_and_says_why() -> None:
    kept = pending().fell_back(FallbackReason.HEADQUARTERS_UNAVAILABLE)
    assert kept.creation_mode is CreationMode.ASYNC
    assert kept.fallback_reason is FallbackReason.HEADQUARTERS_UNAVAILABLE and kept.is_pending


def test_each_edit_takes_the_next_sequence_number() -> None:
    once = pending().edited(CustomerProfile(first_name="Augusta", last_name="Lovelace"))
    twice = once.edited(CustomerProfile(first_name="Augusta Ada", last_name="Lovelace"))
    assert (once.edit_count, twice.edit_count) == (1, 2)
    assert twice.profile.first_name == "Augusta Ada"
    assert edit_target(twice.edit_count) == "edit-000002"


def test_a_merged_customer_redirects_and_its_survivor_lists_each_account_once() -> None:
    merged = pending().synced("C000000057", NOW).merged_into_account("C000000042")
    assert merged.redirects and merged.merged_into == "C000000042"
    survivor = pending().synced("C000000042", NOW)
    listed = survivor.with_merged_accounts(["C000000057"]).with_merged_accounts(["C000000057", "C000000060"])
    assert listed.merged_account_numbers == ["C000000057", "C000000060"]


def test_an_operation_fails_counts_its_attempts_and_completes_on_the_next() -> None:
    started = new_operation(OperationRef("store-042", CUSTOMER, edit_target(1)), NOW)
    assert (started.kind, started.state, started.attempts) == (
        OperationKind.CUSTOMER_EDIT,
        OperationState.PENDING,
        0,
    )
    failed = started.failed("headquarters-unavailable: HQ did not answer", NOW + timedelta(seconds=1))
    assert (failed.state, failed.attempts, failed.error_code) == (
        OperationState.FAILED,
        1,
        "headquarters-unavailable",
    )
    again = failed.retried()
    assert again.state is OperationState.PENDING and again.attempts == 1 and again.last_error
    done = again.completed(NOW + timedelta(seconds=9))
    assert (done.state, done.attempts, done.completed_at) == (
        OperationState.SYNCED,
        2,
        NOW + timedelta(seconds=9),
    )


def test_a_synced_operation_is_neither_failed_nor_retried() -> None:
    done = new_operation(OperationRef("store-042", CUSTOMER), NOW).completed(NOW)
    with pytest.raises(OperationAlreadySynced):
        done.retried()
    with pytest.raises(OperationAlreadySynced):
        done.failed("late", NOW)

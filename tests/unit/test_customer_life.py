"""A channel customer's and a sync operation's life, as the domain decides it: no storage at all,
the way cosmicpython tests its `Product`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.address import Address, AddressCreate
from shared.domain.changes import (
    AddressKept,
    AddressRemoved,
    Changes,
    ConsentAppended,
    ConsentCopied,
    ConversionLogged,
    EventsToPublish,
    OperationClosed,
    OperationDropped,
    OperationUpdated,
    SearchEntriesAdded,
    consents_copied,
    operation_done,
    operation_failed,
    operation_retried,
)
from shared.domain.consent import ConsentChange, ConsentReason
from shared.domain.customer import CustomerRecord
from shared.domain.errors import CustomerAlreadySynced, OperationAlreadySynced
from shared.domain.operations import OperationKind, OperationRef, OperationState, edit_target, new_operation
from shared.domain.profile import CustomerProfile
from shared.domain.search import SearchTerm
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


ADA = CustomerProfile(
    first_name="Ada", last_name="Lovelace", email="ada@example.com", email_marketing_consent=True
)


def kinds(changes: Changes) -> list[str]:
    return [type(row).__name__ for row in changes.rows]


def an_address() -> Address:
    return Address.from_request(
        AddressCreate(street="1 Main St", city="Seattle", country_region_id="USA"),
        sync_status=SyncStatus.PENDING,
        at=NOW,
    )


def test_a_new_customer_is_written_with_its_operations_consent_key_and_search_entries() -> None:
    address = an_address()
    created = pending(profile=ADA, version=None).created([address], idempotency_key="till-7-0001")
    assert created.record.version is None and created.expected_version is None  # must not exist
    assert kinds(created) == [
        "ConsentAppended",
        "OperationOpened",
        "AddressAdded",
        "OperationOpened",
        "IdempotencyKeyKept",
        "SearchEntriesAdded",
    ]
    [consent] = [row for row in created.rows if isinstance(row, ConsentAppended)]
    assert (consent.change.value, consent.change.marketing_consent) == ("ada@example.com", True)
    assert [operation.operation_id for operation in created.opened] == [
        f"store-042_{CUSTOMER}",
        f"store-042_{CUSTOMER}_{address.address_id}",
    ]
    [entries] = [row for row in created.rows if isinstance(row, SearchEntriesAdded)]
    assert SearchTerm("email", "ada@example.com") in entries.terms


def test_a_customer_created_synced_has_no_operation_and_no_pending_search_entries() -> None:
    synced = pending(sync_status=SyncStatus.SYNCED, account_number="C000000001", version=None).created()
    assert kinds(synced) == []


def test_a_pending_customer_synced_carries_its_account_number_and_when() -> None:
    changes = pending().synced("C000000042", NOW + timedelta(seconds=3))
    synced = changes.record
    assert (synced.sync_status, synced.account_number) == (SyncStatus.SYNCED, "C000000042")
    assert synced.synced_at == NOW + timedelta(seconds=3) and not synced.linked_to_existing
    assert not synced.is_pending and not synced.redirects
    assert changes.expected_version == "W/1"  # only if nobody changed it since it was read


def test_synced_closes_the_create_operation_logs_it_and_drops_the_pending_search_entries() -> None:
    operation = new_operation(OperationRef("store-042", CUSTOMER), NOW).failed("x: y", NOW)
    changes = pending().synced("C000000042", NOW + timedelta(seconds=3), operation=operation)
    assert kinds(changes) == [
        "OperationClosed",
        "ConversionLogged",
        "EventsToPublish",
        "SearchEntriesDropped",
    ]
    closed = changes.rows[0]
    assert isinstance(closed, OperationClosed)
    assert (closed.operation.state, closed.operation.attempts) == (OperationState.SYNCED, 2)
    assert changes.rows[1] == ConversionLogged(CUSTOMER, NOW + timedelta(seconds=3))
    assert changes.rows[2] == EventsToPublish("C000000042")  # HQ recorded its event: to be told


def test_a_linked_customer_shows_the_existing_account_and_redirects_its_changes() -> None:
    linked = pending().synced("C000000007", NOW, linked=True).record
    assert linked.account_number == "C000000007" and linked.linked_to_existing and linked.redirects


def test_a_customer_is_synced_once() -> None:
    with pytest.raises(CustomerAlreadySynced):
        pending().synced("C1", NOW).record.synced("C2", NOW)


def test_a_sync_create_that_falls_back_is_async_and_says_why() -> None:
    changes = pending().fell_back(FallbackReason.HEADQUARTERS_UNAVAILABLE)
    kept = changes.record
    assert kept.creation_mode is CreationMode.ASYNC
    assert kept.fallback_reason is FallbackReason.HEADQUARTERS_UNAVAILABLE and kept.is_pending
    assert kinds(changes) == []


def test_each_edit_takes_the_next_sequence_number() -> None:
    once = pending().edited(CustomerProfile(first_name="Augusta", last_name="Lovelace"), at=NOW).record
    twice = once.edited(CustomerProfile(first_name="Augusta Ada", last_name="Lovelace"), at=NOW).record
    assert (once.edit_count, twice.edit_count) == (1, 2)
    assert twice.profile.first_name == "Augusta Ada"
    assert edit_target(twice.edit_count) == "edit-000002"


def test_an_edit_opens_its_replay_and_records_a_withdrawal_where_and_why_it_was_made() -> None:
    withdrawn = ADA.model_copy(update={"email_marketing_consent": False})
    changes = pending(profile=ADA).edited(withdrawn, at=NOW, channel_id="web-01", reason=ConsentReason.MERGE)
    assert kinds(changes) == ["OperationOpened", "ConsentAppended"]
    [replay] = changes.opened
    assert replay.kind is OperationKind.CUSTOMER_EDIT and replay.edit_sequence == 1
    consent = changes.rows[1]
    assert isinstance(consent, ConsentAppended)
    assert (consent.change.marketing_consent, consent.change.channel_id, consent.change.reason) == (
        False,
        "web-01",
        ConsentReason.MERGE,
    )


def test_an_edit_that_changes_no_consent_records_none() -> None:
    renamed = ADA.model_copy(update={"first_name": "Augusta"})
    assert kinds(pending(profile=ADA).edited(renamed, at=NOW)) == ["OperationOpened"]


def test_a_merged_customer_redirects_and_its_survivor_lists_each_account_once() -> None:
    merged = pending().synced("C000000057", NOW).record.merged_into_account("C000000042").record
    assert merged.redirects and merged.merged_into == "C000000042"
    survivor = pending().synced("C000000042", NOW).record
    listed = survivor.with_merged_accounts(["C000000057"]).record
    listed = listed.with_merged_accounts(["C000000057", "C000000060"]).record
    assert listed.merged_account_numbers == ["C000000057", "C000000060"]


def test_an_address_is_added_with_its_operation_and_taken_back_with_it() -> None:
    address = an_address()
    added = pending().address_added(address, at=NOW)
    assert kinds(added) == ["AddressAdded", "OperationOpened"]
    [operation] = added.opened
    taken_back = pending().address_taken_back(operation)
    assert taken_back.rows == (AddressRemoved(CUSTOMER, address.address_id), OperationDropped(operation))


def test_addresses_kept_from_hq_are_synced_and_open_no_operation() -> None:
    kept = pending().addresses_kept([an_address(), an_address()])
    assert kinds(kept) == ["AddressKept", "AddressKept"] and kept.opened == []
    assert all(
        isinstance(row, AddressKept) and row.address.sync_status is SyncStatus.SYNCED for row in kept.rows
    )


def test_an_address_operation_done_marks_the_address_synced_with_it() -> None:
    address = an_address()
    [operation] = pending().address_added(address, at=NOW).opened
    done = operation_done(operation, NOW)
    assert kinds(done) == ["AddressSynced", "OperationClosed"]
    assert kinds(
        operation_done(new_operation(OperationRef("store-042", CUSTOMER, edit_target(1)), NOW), NOW)
    ) == ["OperationClosed"]


def test_a_failure_and_a_retry_change_the_operation_only_as_it_was_read() -> None:
    operation = new_operation(OperationRef("store-042", CUSTOMER), NOW).model_copy(update={"version": "W/7"})
    [failed] = operation_failed(operation, "e: x", NOW).rows
    [retried] = operation_retried(operation).rows
    assert isinstance(failed, OperationUpdated) and isinstance(retried, OperationUpdated)
    assert failed.expected_version == retried.expected_version == "W/7"
    assert (
        failed.operation.state is OperationState.FAILED and retried.operation.state is OperationState.PENDING
    )
    with pytest.raises(OperationAlreadySynced):
        operation_retried(operation.completed(NOW))


def test_a_copied_consent_history_names_its_source_so_a_second_copy_writes_the_same_rows() -> None:
    change = ConsentChange(
        contact="email",
        value="ada@example.com",
        marketing_consent=True,
        channel_id="store-042",
        changed_at=NOW,
    )
    history = [("08263-000", change)]
    first = consents_copied(history, source=CUSTOMER, channel_id="web-01", customer_id="survivor")
    assert first == consents_copied(history, source=CUSTOMER, channel_id="web-01", customer_id="survivor")
    assert first.rows == (ConsentCopied("survivor", change, "08263-000", copied_from=CUSTOMER),)


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

"""A change and its event are one: every HQ-side change records exactly one event, numbered in its
account's order, whatever crashes where; publishing puts it in the change feed. On Azurite."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cloudevents.core.formats.json import JSONFormat

from shared.domain.duplicates import DuplicateStatus
from shared.domain.events import CloudEvent, CustomerEvent, EventType
from shared.services.addresses import add_address
from shared.services.change_feed import read_changes
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.event_publishing import publish_account, publish_marked_accounts
from shared.services.fault_points import (
    AFTER_ACCOUNT_NUMBER_ALLOCATED,
    AFTER_ACCOUNT_NUMBER_BOUND,
    AFTER_CHANNEL_RECORD_UPDATED,
    AFTER_DUPLICATES_DETECTED,
    AFTER_HQ_ADDRESS_WRITTEN,
    AFTER_HQ_CUSTOMER_WRITTEN,
    AFTER_HQ_EDIT_REPLAYED,
    AFTER_LINK_RECORDED,
    AFTER_LOYALTY_EVENT_RECORDED,
    AFTER_SEARCHABLE_EVERYWHERE,
    AFTER_SURVIVOR_FOLDED,
    MERGE_POINTS,
)
from shared.services.loyalty import issue_loyalty_card
from shared.services.merging import merge_duplicate
from tests.support.builders import add_channel, make_dependencies, unique_phone, unique_shopper
from tests.support.faults import CrashAt, SimulatedCrash, StorageFaults
from tests.support.inspection import hq_loyalty_cards, hq_master

HOME = {"street": "1 Main St", "city": "Lyon", "countryRegionId": "FRA"}
CONVERSION_POINTS = (
    AFTER_ACCOUNT_NUMBER_ALLOCATED,
    AFTER_ACCOUNT_NUMBER_BOUND,
    AFTER_HQ_CUSTOMER_WRITTEN,
    AFTER_SEARCHABLE_EVERYWHERE,
    AFTER_DUPLICATES_DETECTED,
    AFTER_CHANNEL_RECORD_UPDATED,
)


def events_of(dependencies: Dependencies, account_number: str) -> list[CustomerEvent]:
    return dependencies.customer_events.after(account_number, 0, limit=1000)


def kinds(events: list[CustomerEvent]) -> list[str]:
    return [event.type.value for event in events]


def pending(dependencies: Dependencies, **body: Any) -> tuple[str, str]:
    channel = add_channel(dependencies, async_customer_creation=True, async_customer_addresses=True)
    created = create_customer(
        dependencies, channel_id=channel.channel_id, body=unique_shopper("Ada", "Martin", **body)
    )
    return channel.channel_id, created.customer.customer_id


def synced(dependencies: Dependencies, **body: Any) -> tuple[str, str, str]:
    channel_id, customer_id = pending(dependencies, **body)
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    record = dependencies.customers.get(channel_id, customer_id)
    assert record is not None and record.account_number is not None
    return channel_id, customer_id, record.account_number


def test_a_conversion_records_one_synced_event_with_the_customer_and_marks_its_account(
    dependencies: Dependencies,
) -> None:
    channel_id, customer_id = pending(dependencies, addresses=[HOME])
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    record = dependencies.customers.get(channel_id, customer_id)
    assert record is not None and record.account_number is not None

    # The address it came with is in the customer's event: no event of its own.
    [event] = events_of(dependencies, record.account_number)
    assert (event.type, event.sequence, event.account_number) == (EventType.SYNCED, 1, record.account_number)
    assert event.data["customerId"] == customer_id and event.data["accountNumber"] == record.account_number
    assert event.data["syncStatus"] == "Synced" and event.data["addresses"][0]["city"] == "Lyon"
    assert "version" not in event.data
    assert (record.account_number, dependencies.customers.publish_mark(channel_id, record.account_number))[1]


@pytest.mark.parametrize("crash_at", CONVERSION_POINTS)
def test_a_conversion_cut_short_anywhere_never_leaves_a_master_without_its_event_and_records_it_once(
    storage_connection_string: str, crash_at: str
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(crash_at))
    channel_id, customer_id = pending(crashing)
    with pytest.raises(SimulatedCrash):
        convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    account = crashing.headquarters.account_number_of(customer_id)
    if account is not None:
        written = hq_master(storage_connection_string, account) is not None
        assert written == (len(events_of(crashing, account)) == 1)  # the master and its event, or neither

    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)  # a redelivery
    record = crashing.customers.get(channel_id, customer_id)
    assert record is not None and record.account_number is not None
    assert kinds(events_of(crashing, record.account_number)) == ["customer.synced"]
    assert crashing.customers.publish_mark(channel_id, record.account_number) is not None


def test_a_master_write_that_fails_in_storage_writes_neither_the_master_nor_its_event(
    storage_connection_string: str,
) -> None:
    # The master's transaction never reaches storage, through every retry of the SDK, until healed.
    down = [True]
    faults = StorageFaults(fail_when=lambda request: down[0] and request.url.endswith("$batch"))
    failing = make_dependencies(storage_connection_string, hq_transport=faults)
    channel_id, customer_id = pending(failing)
    with pytest.raises(Exception):  # noqa: B017 - whichever way HQ's failure surfaces
        convert_async_customer(failing, channel_id=channel_id, customer_id=customer_id)
    account = failing.headquarters.account_number_of(customer_id)
    assert account is not None
    assert hq_master(storage_connection_string, account) is None and events_of(failing, account) == []

    down[0] = False
    convert_async_customer(failing, channel_id=channel_id, customer_id=customer_id)
    assert kinds(events_of(failing, account)) == ["customer.synced"]


def test_an_edit_cut_short_after_hq_took_it_records_updated_and_consent_changed_once(
    storage_connection_string: str,
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(AFTER_HQ_EDIT_REPLAYED))
    channel_id, customer_id, account = synced(crashing)
    # The edit answers (HQ's replay is left to the queue when it fails), cut short after HQ took it.
    edit_customer(
        crashing,
        channel_id=channel_id,
        ref=customer_id,
        body={"lastName": "Durand", "emailMarketingConsent": True},
    )
    assert len(crashing.customers.pending_operations(channel_id, customer_id)) == 1
    master = hq_master(storage_connection_string, account)
    assert master is not None and master["EditSequence"] == 1  # HQ has the edit, so it has its events
    assert kinds(events_of(crashing, account)) == [
        "customer.synced",
        "customer.updated",
        "customer.consent.changed",
    ]

    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)  # the queue's turn
    events = events_of(crashing, account)
    assert [event.sequence for event in events] == [1, 2, 3]
    assert events[1].data["lastName"] == "Durand" and events[2].data["emailMarketingConsent"] is True
    assert crashing.customers.pending_operations(channel_id, customer_id) == []


def test_an_address_cut_short_after_hq_took_it_records_its_event_once_when_finished(
    storage_connection_string: str,
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(AFTER_HQ_ADDRESS_WRITTEN))
    channel_id, customer_id, account = synced(crashing)
    address = add_address(crashing, channel_id=channel_id, ref=customer_id, body=HOME)
    with pytest.raises(SimulatedCrash):
        convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    assert kinds(events_of(crashing, account)) == ["customer.synced"]  # not done: the operation waits

    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    events = events_of(crashing, account)
    assert kinds(events) == ["customer.synced", "customer.address.added"]
    assert events[1].data["addressId"] == address.address_id
    assert [a["syncStatus"] for a in events[1].data["addresses"]] == ["Synced"]


def test_a_card_whose_issuer_stopped_after_its_event_is_written_before_the_event_is_published(
    storage_connection_string: str,
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(AFTER_LOYALTY_EVENT_RECORDED))
    channel_id, customer_id, account = synced(crashing)
    crashing.event_publisher.flush()  # the conversion's event is out: nothing publishes on its own now
    with pytest.raises(SimulatedCrash):
        issue_loyalty_card(crashing, channel_id=channel_id, ref=customer_id)
    [_, issued] = events_of(crashing, account)
    card = issued.data["loyaltyCardNumber"]
    assert (
        issued.type is EventType.LOYALTY_CARD_ISSUED
        and hq_loyalty_cards(storage_connection_string, account) == []
    )

    publish_account(crashing, account)
    assert hq_loyalty_cards(storage_connection_string, account) == [card]


def test_a_card_issued_is_one_event_and_its_channel_marks_the_account(dependencies: Dependencies) -> None:
    channel_id, customer_id, account = synced(dependencies)
    card = issue_loyalty_card(dependencies, channel_id=channel_id, ref=customer_id)
    assert kinds(events_of(dependencies, account)) == ["customer.synced", "customer.loyaltycard.issued"]
    assert events_of(dependencies, account)[1].data["loyaltyCardNumber"] == card.card_number


@pytest.mark.parametrize(
    "crash_at", [AFTER_SURVIVOR_FOLDED, AFTER_LINK_RECORDED, AFTER_CHANNEL_RECORD_UPDATED]
)
def test_a_link_cut_short_anywhere_records_one_linked_event_on_the_account_it_joined(
    storage_connection_string: str, crash_at: str
) -> None:
    email = f"link.{uuid.uuid4().hex[:8]}@example.com"
    linking = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    _, _, account = synced(linking, email=email, emailVerified=True)
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(crash_at), DUPLICATE_POLICY="link")
    channel_id, customer_id = pending(crashing, email=email, emailVerified=True, phone=unique_phone())
    with pytest.raises(SimulatedCrash):
        convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)

    events = events_of(crashing, account)
    assert kinds(events).count("customer.linked") == 1
    [linked] = [event for event in events if event.type is EventType.LINKED]
    assert linked.data["linkedCustomerId"] == customer_id and linked.data["accountNumber"] == account
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))


@pytest.mark.parametrize("crash_at", MERGE_POINTS)
def test_a_merge_cut_short_anywhere_records_one_merged_event_on_the_survivor(
    storage_connection_string: str, crash_at: str
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(crash_at))
    email = f"merge.{uuid.uuid4().hex[:8]}@example.com"
    _, _, older = synced(crashing, email=email)
    _, newer_id, newer = synced(crashing, email=email)
    [candidate] = [c for c in crashing.duplicates.listed(DuplicateStatus.OPEN) if c.customer_id == newer_id]
    with pytest.raises(SimulatedCrash):
        merge_duplicate(crashing, duplicate_id=candidate.duplicate_id)
    merge_duplicate(crashing, duplicate_id=candidate.duplicate_id)
    merge_duplicate(crashing, duplicate_id=candidate.duplicate_id)

    events = events_of(crashing, older)
    [merged] = [event for event in events if event.type is EventType.MERGED]
    assert merged.data["mergedAccountNumber"] == newer and merged.data["accountNumber"] == older
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))


def test_every_event_type_is_a_valid_cloudevent_for_the_cloudevents_sdk(
    storage_connection_string: str,
) -> None:
    linking = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    email = f"sdk.{uuid.uuid4().hex[:8]}@example.com"
    channel_id, customer_id, account = synced(linking, email=email, emailVerified=True)
    edit_customer(
        linking,
        channel_id=channel_id,
        ref=customer_id,
        body={"lastName": "Roux", "phoneMarketingConsent": True},
    )
    add_address(linking, channel_id=channel_id, ref=customer_id, body=HOME)
    convert_async_customer(linking, channel_id=channel_id, customer_id=customer_id)
    issue_loyalty_card(linking, channel_id=channel_id, ref=customer_id)
    synced(linking, email=email, emailVerified=True, phone=unique_phone())  # linked to the first
    flagged = make_dependencies(storage_connection_string)
    _, newer_id, _ = synced(flagged, email=email)
    [candidate] = [c for c in flagged.duplicates.listed(DuplicateStatus.OPEN) if c.customer_id == newer_id]
    merge_duplicate(flagged, duplicate_id=candidate.duplicate_id)

    events = events_of(linking, account)
    assert set(kinds(events)) == {kind.value for kind in EventType} - {"customer.erased"}
    for event in events:
        body = json.dumps(event.cloud_event(linking.settings.event_source))
        parsed = JSONFormat().read(None, body)  # the SDK checks the attributes, their types and names
        assert parsed.get_specversion() == "1.0" and parsed.get_type() == event.type.value
        assert parsed.get_subject() == account and parsed.get_extension("sequence") == str(event.sequence)
        assert parsed.get_datacontenttype() == "application/json" and parsed.get_time() is not None
        assert parsed.get_data() == event.data


def test_publishing_puts_an_accounts_events_in_the_feed_once_in_order_and_takes_the_mark_away(
    own_storage: str,
) -> None:
    dependencies = make_dependencies(own_storage, FEED_SETTLE_SECONDS=0)
    channel_id, customer_id, account = synced(dependencies)
    edit_customer(dependencies, channel_id=channel_id, ref=customer_id, body={"lastName": "Petit"})
    dependencies.event_publisher.flush()
    publish_marked_accounts(dependencies)
    publish_marked_accounts(dependencies)  # nothing new: nothing published twice
    assert dependencies.customers.events_to_publish(channel_id) == []

    page = read_changes(dependencies, after=None, limit=100)
    assert [(item.subject, item.sequence, item.type.value) for item in page.items] == [
        (account, "1", "customer.synced"),
        (account, "2", "customer.updated"),
    ]
    assert read_changes(dependencies, after=page.next_cursor, limit=100).items == []


def behind(seconds: float) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) - timedelta(seconds=seconds)


def accounts_in(page_items: list[CloudEvent], accounts: set[str]) -> list[tuple[str, int]]:
    return [(item.subject, int(item.sequence)) for item in page_items if item.subject in accounts]


@pytest.mark.parametrize("settle_seconds", [0, 4])
def test_an_event_published_by_an_instance_whose_clock_is_behind_is_seen_only_if_the_feed_settles(
    storage_connection_string: str, settle_seconds: int
) -> None:
    """The instance 2 s behind writes keys 2 s in the past: a feed read up to now has passed them."""
    late = make_dependencies(storage_connection_string)
    late.clock = behind(2)
    reader = make_dependencies(storage_connection_string, FEED_SETTLE_SECONDS=settle_seconds)
    _, _, account = synced(late)
    cursor = read_changes(reader, after=None, limit=500).next_cursor
    while True:  # the reader is up to date
        page = read_changes(reader, after=cursor, limit=500)
        cursor = page.next_cursor
        if not page.items:
            break

    publish_account(late, account)
    time.sleep(settle_seconds + 0.5)
    seen: list[tuple[str, int]] = []
    for _ in range(5):
        page = read_changes(reader, after=cursor, limit=500)
        seen += accounts_in(page.items, {account})
        cursor = page.next_cursor
    assert seen == ([] if settle_seconds == 0 else [(account, 1)])


def test_a_consumer_following_the_cursor_sees_every_event_of_two_instances_with_different_clocks(
    storage_connection_string: str,
) -> None:
    ahead = make_dependencies(storage_connection_string)
    late = make_dependencies(storage_connection_string)
    late.clock = behind(2)
    reader = make_dependencies(storage_connection_string, FEED_SETTLE_SECONDS=4)
    cursor = read_changes(reader, after=None, limit=500).next_cursor
    accounts: set[str] = set()
    expected: set[tuple[str, int]] = set()

    def work(dependencies: Dependencies) -> None:
        for _ in range(6):
            channel_id, customer_id, account = synced(dependencies)
            edit_customer(dependencies, channel_id=channel_id, ref=customer_id, body={"lastName": "Bis"})
            accounts.add(account)
            expected.update({(account, 1), (account, 2)})
            publish_account(dependencies, account)

    seen: list[tuple[str, int]] = []
    with ThreadPoolExecutor(2) as pool:
        running = [pool.submit(work, dependencies) for dependencies in (ahead, late)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            page = read_changes(reader, after=cursor, limit=50)
            seen += accounts_in(page.items, accounts)
            cursor = page.next_cursor
            if all(future.done() for future in running) and expected <= set(seen):
                break
            time.sleep(0.2)
        for future in running:
            future.result()
    assert expected <= set(seen)
    for account in accounts:  # each account's events in sequence order, copies aside
        order = [sequence for subject, sequence in seen if subject == account]
        assert order == sorted(order)

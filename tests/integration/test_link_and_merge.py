"""`link` under concurrent conversions, and a merge that crashes half-way, on Azurite."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from devhost.azurite import start_azurite
from shared.domain.duplicates import DuplicateStatus
from shared.domain.errors import DuplicateDismissed, DuplicateMergeStarted
from shared.services.conversion import convert_async_customer
from shared.services.conversion_batch import run_conversion_batch
from shared.services.customers import create_customer, get_customer
from shared.services.dependencies import Dependencies
from shared.services.duplicates import dismiss_duplicate
from shared.services.fault_points import BEFORE_MATCH_KEYS_CLAIMED, MERGE_POINTS, FaultPoints
from shared.services.loyalty import issue_loyalty_card
from shared.services.merging import merge_duplicate
from shared.services.search import search_customers
from tests.support.builders import add_channel, make_dependencies, person, unique_phone
from tests.support.faults import CrashAt, SimulatedCrash, StorageFaults
from tests.support.inspection import hq_loyalty_cards, hq_master, hq_masters_of

HOME = {"street": "1 Main St", "city": "London", "countryRegionId": "GBR"}
WORK = {"street": "9 Dock Rd", "city": "London", "countryRegionId": "GBR", "purpose": "Business"}


class ClaimTogether(FaultPoints):
    """Holds each conversion just before it claims its match keys until the other got there too."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)

    def reach(self, point: str) -> None:
        if point == BEFORE_MATCH_KEYS_CLAIMED:
            self.barrier.wait()


def convert(dependencies: Dependencies, ref: tuple[str, str]) -> None:
    convert_async_customer(dependencies, channel_id=ref[0], customer_id=ref[1])


def pending(dependencies: Dependencies, body: dict[str, Any]) -> tuple[str, str]:
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=body)
    return channel.channel_id, created.customer.customer_id


@pytest.mark.parametrize("shape", ["same verified e-mail", "same verified e-mail and phone"])
def test_two_matching_customers_converted_at_once_make_one_hq_customer(
    storage_connection_string: str, shape: str
) -> None:
    for _ in range(3):
        dependencies = make_dependencies(
            storage_connection_string, faults=ClaimTogether(), DUPLICATE_POLICY="link"
        )
        email, phone = f"race.{uuid.uuid4().hex[:8]}@example.com", unique_phone()
        if shape == "same verified e-mail":
            bodies = [
                person(email=email, emailVerified=True, phone=unique_phone()),
                person(email=email, emailVerified=True, phone=unique_phone()),
            ]
        else:
            bodies = [
                person(email=email, emailVerified=True, phone=phone),
                person(email=email, emailVerified=True, phone=phone),
            ]
        customers = [pending(dependencies, body) for body in bodies]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(partial(convert, dependencies), customers))

        records = [dependencies.customers.get(*ref) for ref in customers]
        assert all(record is not None and not record.is_pending for record in records)
        accounts = {record.account_number for record in records if record is not None}
        assert len(accounts) == 1, accounts
        assert sorted(record.linked_to_existing for record in records if record is not None) == [False, True]
        masters = [
            row
            for _, customer_id in customers
            for row in hq_masters_of(storage_connection_string, customer_id)
        ]
        assert len(masters) == 1 and masters[0]["PartitionKey"] in accounts


def test_a_linked_conversion_consumes_no_account_number_and_a_rerun_changes_nothing(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    email = f"once.{uuid.uuid4().hex[:8]}@example.com"
    first = pending(
        dependencies, person(email=email, emailVerified=True, phone=unique_phone(), addresses=[HOME])
    )
    convert_async_customer(dependencies, channel_id=first[0], customer_id=first[1])
    second = pending(
        dependencies, person(email=email, emailVerified=True, phone=unique_phone(), addresses=[WORK])
    )

    before = dependencies.account_numbers.next_number()
    convert_async_customer(dependencies, channel_id=second[0], customer_id=second[1])
    convert_async_customer(dependencies, channel_id=second[0], customer_id=second[1])  # a redelivery
    assert dependencies.account_numbers.next_number() == before + 1

    existing = dependencies.customers.get(*first)
    assert existing is not None and existing.account_number is not None
    assert sorted(a.street for a in dependencies.headquarters.addresses(existing.account_number)) == [
        "1 Main St",
        "9 Dock Rd",
    ]
    assert len(dependencies.customers.addresses(*first)) == 2


@pytest.mark.parametrize("finish", ["merge again", "the batch", "dismiss, then merge again"])
@pytest.mark.parametrize("crash_at", MERGE_POINTS)
def test_a_merge_that_stops_half_way_is_finished_and_never_dismissed(
    storage_connection_string: str, crash_at: str, finish: str
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(crash_at))
    north, south, west = (add_channel(crashing) for _ in range(3))
    email = f"crash.{uuid.uuid4().hex[:8]}@example.com"
    older = create_customer(
        crashing,
        channel_id=north.channel_id,
        body=person(email=email, phone=unique_phone(), addresses=[HOME]),
    )
    newer = create_customer(
        crashing,
        channel_id=south.channel_id,
        body=person(email=email, phone=unique_phone(), firstName="Zoe", addresses=[HOME, WORK]),
    )
    card = issue_loyalty_card(crashing, channel_id=south.channel_id, ref=newer.customer.customer_id)
    [candidate] = [
        c
        for c in crashing.duplicates.listed(DuplicateStatus.OPEN)
        if c.customer_id == newer.customer.customer_id
    ]

    with pytest.raises(SimulatedCrash):
        merge_duplicate(crashing, duplicate_id=candidate.duplicate_id)
    found = crashing.duplicates.get(candidate.duplicate_id)
    assert found is not None and found[0].status is DuplicateStatus.MERGING  # ops see it still to do
    if finish == "the batch":
        run_conversion_batch(crashing, trigger="test")  # the crash fires once
    if finish.startswith("dismiss"):
        with pytest.raises(DuplicateMergeStarted):
            dismiss_duplicate(crashing, duplicate_id=candidate.duplicate_id)
    survivor = merge_duplicate(crashing, duplicate_id=candidate.duplicate_id)
    assert candidate.duplicate_id not in crashing.duplicates.started_merges()

    older_account, newer_account = older.customer.account_number, newer.customer.account_number
    assert older_account is not None and newer_account is not None
    assert survivor.customer_id == older.customer.customer_id
    assert survivor.merged_account_numbers == [newer_account]
    assert sorted(address.street for address in survivor.addresses) == ["1 Main St", "9 Dock Rd"]
    assert hq_loyalty_cards(storage_connection_string, older_account) == [card.card_number]
    assert hq_loyalty_cards(storage_connection_string, newer_account) == []
    tombstone = hq_master(storage_connection_string, newer_account)
    assert tombstone is not None and tombstone["MergedInto"] == older_account
    for channel in (north, south, west):
        for ref in (newer.customer.customer_id, newer_account):
            assert (
                get_customer(crashing, channel_id=channel.channel_id, ref=ref).customer_id
                == survivor.customer_id
            )
        page = search_customers(crashing, channel_id=channel.channel_id, text=email)
        assert [item.customer_id for item in page.items] == [survivor.customer_id]
    found = crashing.duplicates.get(candidate.duplicate_id)
    assert found is not None and found[0].status is DuplicateStatus.MERGED
    assert hq_masters_of(storage_connection_string, newer.customer.customer_id) == [tombstone]


def test_a_dismiss_racing_a_merge_never_leaves_a_merged_pair_marked_dismissed(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string)
    pairs = []
    for _ in range(6):
        email = f"race.{uuid.uuid4().hex[:8]}@example.com"
        one, two = (add_channel(dependencies) for _ in range(2))
        create_customer(
            dependencies, channel_id=one.channel_id, body=person(email=email, phone=unique_phone())
        )
        newer = create_customer(
            dependencies, channel_id=two.channel_id, body=person(email=email, phone=unique_phone())
        )
        [candidate] = [
            c
            for c in dependencies.duplicates.listed(DuplicateStatus.OPEN)
            if c.customer_id == newer.customer.customer_id
        ]
        pairs.append(candidate)

    def merge(duplicate_id: str) -> str:
        try:
            merge_duplicate(dependencies, duplicate_id=duplicate_id)
            return "merged"
        except DuplicateDismissed:
            return "refused"

    def dismiss(duplicate_id: str) -> str:
        try:
            dismiss_duplicate(dependencies, duplicate_id=duplicate_id)
            return "dismissed"
        except DuplicateMergeStarted:
            return "refused"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [
            (pool.submit(merge, candidate.duplicate_id), pool.submit(dismiss, candidate.duplicate_id))
            for candidate in pairs
        ]
        outcomes = [(merged.result(), dismissed.result()) for merged, dismissed in results]
    for candidate, outcome in zip(pairs, outcomes, strict=True):
        assert sorted(outcome) in (["merged", "refused"], ["dismissed", "refused"]), outcome
        found = dependencies.duplicates.get(candidate.duplicate_id)
        assert found is not None
        master = hq_master(storage_connection_string, candidate.account_number)
        assert master is not None
        if outcome[0] == "merged":
            assert found[0].status is DuplicateStatus.MERGED
            assert master["MergedInto"] == candidate.candidate_account_number
        else:
            assert found[0].status is DuplicateStatus.DISMISSED
            assert not master.get("MergedInto")


def test_a_batch_run_with_hq_down_still_records_its_run_and_leaves_started_merges_for_later() -> None:
    """Finishing started merges reads HQ: with HQ unreachable the run still ends with its summary.
    An Azurite of its own, so no other test's pending customer meets the fault."""
    azurite = start_azurite("free")
    try:
        hq_down = StorageFaults(fail_when=lambda request: "HqDuplicates" in request.url)
        dependencies = make_dependencies(azurite.connection_string, hq_transport=hq_down)
        summary = run_conversion_batch(dependencies, trigger="test")
        assert hq_down.failures > 0
        assert summary.run_id in [run.run_id for run in dependencies.run_log.recent(limit=50)]
    finally:
        azurite.stop()

"""Duplicate detection at conversion, on Azurite: concurrent conversions, redeliveries, dismissed
pairs and match keys an edit removed."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from shared.domain.duplicates import DuplicateStatus
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.duplicates import detect_duplicates, dismiss_duplicate
from shared.services.edits import edit_customer
from shared.services.fault_points import AFTER_HQ_CUSTOMER_WRITTEN, FaultPoints
from tests.support.builders import add_channel, make_dependencies, person


class BothAtOnce(FaultPoints):
    """Holds each conversion after its HQ master is written until the other one got there too, so
    both detect at the same time."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)

    def reach(self, point: str) -> None:
        if point == AFTER_HQ_CUSTOMER_WRITTEN:
            self.barrier.wait()


def shopper(email: str) -> dict[str, object]:
    return person(email=email, phone=f"+44207{uuid.uuid4().int % 10**7:07d}")


def pending_customer(dependencies: Dependencies, email: str) -> tuple[str, str]:
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=shopper(email))
    return channel.channel_id, created.customer.customer_id


def convert(dependencies: Dependencies, ref: tuple[str, str]) -> None:
    convert_async_customer(dependencies, channel_id=ref[0], customer_id=ref[1])


def open_pairs(dependencies: Dependencies, customer_ids: set[str]) -> list[tuple[str, str]]:
    return [
        (candidate.candidate_account_number, candidate.account_number)
        for candidate in dependencies.duplicates.listed(DuplicateStatus.OPEN)
        if candidate.customer_id in customer_ids
    ]


def test_two_matching_customers_converted_at_once_are_one_candidate(storage_connection_string: str) -> None:
    for _ in range(3):
        dependencies = make_dependencies(storage_connection_string, faults=BothAtOnce())
        email = f"race.{uuid.uuid4().hex[:8]}@example.com"
        customers = [pending_customer(dependencies, email) for _ in range(2)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(partial(convert, dependencies), customers))
        accounts = sorted(
            record.account_number
            for channel_id, customer_id in customers
            if (record := dependencies.customers.get(channel_id, customer_id)) is not None
            and record.account_number is not None
        )
        assert len(accounts) == 2
        assert open_pairs(dependencies, {customer_id for _, customer_id in customers}) == [
            (accounts[0], accounts[1])
        ]


def test_detecting_again_records_nothing_new_and_a_dismissed_pair_stays_dismissed(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string)
    email = f"again.{uuid.uuid4().hex[:8]}@example.com"
    customers = [pending_customer(dependencies, email) for _ in range(2)]
    for channel_id, customer_id in customers:
        convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    newer = dependencies.customers.get(*customers[1])
    assert newer is not None and newer.account_number is not None
    ids = {customer_id for _, customer_id in customers}

    def detect_again() -> None:  # as a redelivered message or a rerun after a crash would
        assert newer is not None and newer.account_number is not None
        detect_duplicates(
            dependencies,
            account_number=newer.account_number,
            customer_id=newer.customer_id,
            profile=newer.profile,
        )

    detect_again()
    [pair] = open_pairs(dependencies, ids)
    [candidate] = [c for c in dependencies.duplicates.listed() if c.customer_id in ids]
    dismiss_duplicate(dependencies, duplicate_id=candidate.duplicate_id)
    detect_again()
    assert open_pairs(dependencies, ids) == []
    [kept] = [c for c in dependencies.duplicates.listed() if c.customer_id in ids]
    assert kept.status is DuplicateStatus.DISMISSED and kept.duplicate_id == candidate.duplicate_id
    assert pair == (kept.candidate_account_number, kept.account_number)


def test_an_email_edited_away_no_longer_matches(storage_connection_string: str) -> None:
    dependencies = make_dependencies(storage_connection_string)
    email = f"moved.{uuid.uuid4().hex[:8]}@example.com"
    channel_id, customer_id = pending_customer(dependencies, email)
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    edit_customer(
        dependencies,
        channel_id=channel_id,
        ref=customer_id,
        body={"email": f"new.{uuid.uuid4().hex[:8]}@example.com"},
    )
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)  # replays the edit
    later = pending_customer(dependencies, email)
    convert_async_customer(dependencies, channel_id=later[0], customer_id=later[1])
    assert open_pairs(dependencies, {customer_id, later[1]}) == []

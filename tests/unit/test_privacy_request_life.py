"""A data subject request's life, without storage: due in 30 days, worked, and sent again only when
nobody is working it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from shared.domain.privacy import PrivacyRequest, PrivacyRequestCreate, RequestKind, RequestStatus

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def received(at: datetime = NOW) -> PrivacyRequest:
    return PrivacyRequest.received(
        PrivacyRequestCreate(kind=RequestKind.ERASURE, customer="C000000042"), at=at
    )


def test_a_request_is_due_thirty_days_after_it_came_and_past_due_only_while_open() -> None:
    request = received()
    assert request.due_by == NOW + timedelta(days=30) and request.status is RequestStatus.RECEIVED
    assert not request.past_due(NOW + timedelta(days=29)) and request.past_due(NOW + timedelta(days=31))
    done = request.started(NOW).completed({"HqCustomers (tombstones)": 1}, at=NOW + timedelta(minutes=1))
    assert not done.open and not done.past_due(NOW + timedelta(days=31))


def test_ids_sort_by_when_requests_came() -> None:
    assert received(NOW).request_id < received(NOW + timedelta(milliseconds=1)).request_id


def test_only_a_request_nobody_works_is_sent_again() -> None:
    after = timedelta(minutes=10)
    assert received().stalled(NOW, after=after)
    running = received().started(NOW)
    assert running.attempts == 1 and not running.stalled(NOW + timedelta(minutes=5), after=after)
    assert running.stalled(NOW + timedelta(minutes=11), after=after)
    assert not running.completed({}, at=NOW).stalled(NOW + timedelta(days=1), after=after)


@pytest.mark.parametrize("customer", ["a/b", "x#1", "", " ", "C0 42"])
def test_a_request_names_a_guid_or_an_account_number(customer: str) -> None:
    with pytest.raises(ValidationError):
        PrivacyRequestCreate(kind=RequestKind.EXPORT, customer=customer)
    guid = PrivacyRequestCreate(kind=RequestKind.EXPORT, customer=" 3F2B1C4D-0000-4000-8000-000000000001 ")
    assert guid.customer == "3f2b1c4d-0000-4000-8000-000000000001"

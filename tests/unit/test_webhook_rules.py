"""Where a webhook may point, how its retries are spaced, and what an event looks like: no storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.events import CustomerEvent, EventType
from shared.domain.webhooks import (
    LONGEST_BACKOFF,
    check_addresses,
    check_url,
    new_secret,
    next_attempt,
    wants,
)

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "allow_local"),
    [
        ("http://example.com/hook", False),
        ("http://127.0.0.1:8080/hook", False),
        ("http://example.com/hook", True),  # local runs allow plain http to loopback only
        ("https://user:pw@example.com/hook", False),
        ("ftp://example.com/", False),
        ("https:///no-host", False),
        ("https://example.com:99999/", False),
    ],
)
def test_a_url_of_the_wrong_form_is_refused_naming_url(url: str, allow_local: bool) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_url(url, allow_local=allow_local)
    assert [error.field for error in refused.value.errors] == ["url"]


def test_https_names_its_host_and_port_and_local_http_is_allowed_only_when_asked() -> None:
    assert check_url("https://hooks.example.com/in", allow_local=False) == ("hooks.example.com", 443)
    assert check_url("http://127.0.0.1:8080/in", allow_local=True) == ("127.0.0.1", 8080)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.7",
        "172.16.3.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1%eth0",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
    ],
)
def test_an_address_inside_any_network_is_refused(address: str) -> None:
    with pytest.raises(ValidationFailed):
        check_addresses(["93.184.215.14", address], allow_local=False)


def test_public_addresses_pass_loopback_only_for_local_runs_and_a_name_that_resolves_nowhere_fails() -> None:
    check_addresses(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], allow_local=False)
    check_addresses(["127.0.0.1"], allow_local=True)
    with pytest.raises(ValidationFailed):
        check_addresses(["10.0.0.1"], allow_local=True)
    with pytest.raises(ValidationFailed):
        check_addresses([], allow_local=False)


def test_retries_double_from_the_first_back_off_up_to_an_hour_with_a_tenth_of_jitter() -> None:
    first = timedelta(seconds=30)
    for attempts, expected in [(1, 30), (2, 60), (3, 120), (8, 3840)]:
        delay = next_attempt(attempts, first_retry=first, at=NOW) - NOW
        base = min(timedelta(seconds=expected), LONGEST_BACKOFF)
        assert base * 0.9 <= delay <= base * 1.1
    # 24 hours of retries are more than 24 attempts: the window, not a count, ends them.
    at, attempts = NOW, 0
    while at - NOW < timedelta(hours=24):
        attempts += 1
        at = next_attempt(attempts, first_retry=first, at=at)
    assert attempts > 24


def test_a_secret_is_standard_webhooks_shaped_and_never_repeats() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100 and all(secret.startswith("whsec_") for secret in secrets)


def test_no_event_types_means_every_type() -> None:
    assert wants([], EventType.MERGED) and wants([EventType.MERGED], EventType.MERGED)
    assert not wants([EventType.SYNCED], EventType.MERGED)


def test_an_event_is_a_structured_cloudevent_with_the_account_as_subject_and_sequence_as_text() -> None:
    event = CustomerEvent(
        id="e1", type=EventType.UPDATED, account_number="C000000042", sequence=7, time=NOW, data={"a": 1}
    )
    assert event.cloud_event("urn:test") == {
        "specversion": "1.0",
        "id": "e1",
        "source": "urn:test",
        "type": "customer.updated",
        "subject": "C000000042",
        "time": "2026-12-05T09:30:00Z",
        "datacontenttype": "application/json",
        "sequence": "7",
        "data": {"a": 1},
    }

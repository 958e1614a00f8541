"""Webhooks over HTTP, to real local receivers that verify every delivery with the `standardwebhooks`
package and misbehave on purpose: every event arrives, verified, each account's in sequence order,
duplicates only as redeliveries with the same webhook-id; a dead receiver delays no other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient, wait_for
from tests.support.builders import unique_shopper
from tests.support.local_host import running_host
from tests.support.webhook_receiver import Receiver, registered, serving

FAST_RETRIES: dict[str, str] = {
    "ALLOW_LOCAL_WEBHOOKS": "true",
    "WEBHOOK_FIRST_RETRY_SECONDS": "0.5",
    "WEBHOOK_TIMEOUT_SECONDS": "1",
    "FEED_SETTLE_SECONDS": "0",
}

# Deliveries to a dead receiver fail for good after 3.6 s.
SLOW_TO_FAIL: dict[str, Any] = {**FAST_RETRIES, "WEBHOOK_RETRY_HOURS": "0.001"}


def synced_and_edited(api: ApiClient, count: int) -> set[tuple[str, int]]:
    """`count` customers made synced and edited once: events 1 and 2 of each account."""
    channel_id, key = api.new_channel()
    expected: set[tuple[str, int]] = set()
    for _ in range(count):
        created = api.create_customer(channel_id, key, unique_shopper("Lena", "Weber")).json()
        account = created["accountNumber"]
        edited = api.http.patch(
            f"/api/channels/{channel_id}/customers/{account}", json={"lastName": "Weiss"}, headers=key
        )
        assert edited.status_code == 200, edited.text
        expected |= {(account, 1), (account, 2)}
    return expected


def assert_in_order_and_duplicates_only_as_redeliveries(receiver: Receiver) -> None:
    with receiver.lock:
        arrivals = list(receiver.arrivals)
    ids: dict[tuple[str, int], str] = {}
    acked: set[tuple[str, int]] = set()
    for message_id, account, sequence, was_acked in arrivals:
        assert ids.setdefault((account, sequence), message_id) == message_id  # one id per event
        # Nothing of an account is sent before every earlier event of it was acknowledged.
        assert all((account, earlier) in acked for earlier in range(1, sequence)), (account, sequence)
        if was_acked:
            acked.add((account, sequence))


@pytest.fixture(scope="module")
def api(storage_connection_string: str) -> Iterator[ApiClient]:
    settings: dict[str, Any] = FAST_RETRIES
    with running_host(storage_connection_string, **settings) as client:
        yield client


def test_every_event_arrives_verified_in_order_through_failures_and_time_outs(api: ApiClient) -> None:
    def misbehave(message_id: str, attempt: int) -> str:
        kind = hash(message_id) % 3
        if attempt == 1 and kind == 0:
            return "fail"
        if attempt == 1 and kind == 1:
            return "slow"
        return "ok"

    with serving(Receiver(misbehave)) as receiver, registered(api, receiver) as hook:
        expected = synced_and_edited(api, 6)
        wait_for(lambda: expected <= receiver.acked(), timeout=60)
        assert receiver.unverified == 0
        assert_in_order_and_duplicates_only_as_redeliveries(receiver)
        with receiver.lock:
            redelivered = len(receiver.arrivals) - len({arrival[0] for arrival in receiver.arrivals})
        assert redelivered > 0  # the failures and time-outs really were delivered again

        def all_delivered() -> dict[str, Any] | None:
            response = api.http.get("/api/webhooks", headers=ADMIN)
            [listed] = [item for item in response.json()["items"] if item["webhookId"] == hook["webhookId"]]
            return (
                listed
                if listed["health"]["delivered"] >= len(expected) and not listed["health"]["pending"]
                else None
            )

        listed = wait_for(all_delivered, timeout=30)
        assert "secret" not in listed  # shown once, at registration
        assert api.http.delete(f"/api/webhooks/{hook['webhookId']}", headers=ADMIN).status_code == 204


def test_a_dead_receiver_delays_no_other_webhook_and_its_failures_can_be_replayed(
    storage_connection_string: str,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    down = threading.Event()
    down.set()
    with (
        running_host(storage_connection_string, **SLOW_TO_FAIL) as api,
        serving(Receiver(lambda _id, _attempt: "slow" if down.is_set() else "ok")) as dead,
        serving(Receiver()) as healthy,
        registered(api, dead, eventTypes=["customer.synced"]) as dead_hook,
        registered(api, healthy),
    ):
        expected = synced_and_edited(api, 4)
        wait_for(lambda: expected <= healthy.acked(), timeout=30)
        assert healthy.unverified == 0

        def failed() -> list[dict[str, Any]] | None:
            response = api.http.get(
                f"/api/webhooks/{dead_hook['webhookId']}/deliveries",
                params={"status": "Failed"},
                headers=ADMIN,
            )
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            return items if len(items) == 4 else None

        failures = wait_for(failed, timeout=60)
        assert {item["type"] for item in failures} == {"customer.synced"} and failures[0][
            "lastError"
        ] == "timeout"

        down.clear()
        replayed = api.http.post(
            f"/api/webhooks/{dead_hook['webhookId']}/replay",
            json={"since": started.isoformat()},
            headers=ADMIN,
        )
        assert replayed.status_code == 202, replayed.text
        wanted = {pair for pair in expected if pair[1] == 1}
        wait_for(lambda: wanted <= dead.acked(), timeout=30)
        assert_in_order_and_duplicates_only_as_redeliveries(dead)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://user:secret@example.com/hook",
        "ftp://example.com/hook",
        "https://[::ffff:192.168.0.1]/hook",
    ],
)
def test_a_webhook_to_a_private_or_plain_address_is_refused_naming_url(api: ApiClient, url: str) -> None:
    response = api.http.post("/api/webhooks", json={"url": url}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert "url" in response.text


def test_the_change_feed_lists_the_events_a_consumer_follows(api: ApiClient) -> None:
    expected = synced_and_edited(api, 2)
    seen: set[tuple[str, int]] = set()
    cursor: str | None = None

    def follow() -> bool:
        nonlocal cursor
        params = {"limit": "200", **({"after": cursor} if cursor else {})}
        response = api.http.get("/api/changes", params=params, headers=ADMIN)
        assert response.status_code == 200, response.text
        page = response.json()
        cursor = page["nextCursor"]
        for item in page["items"]:
            assert item["specversion"] == "1.0" and item["datacontenttype"] == "application/json"
            seen.add((item["subject"], int(item["sequence"])))
        return expected <= seen

    wait_for(follow, timeout=30)
    assert api.http.get("/api/changes", params={"after": "not-a-cursor"}, headers=ADMIN).status_code == 422


@pytest.mark.parametrize("webhook_id", ["nope", "a/b", "%23x"])
def test_a_webhook_that_does_not_exist_is_404_whatever_its_id_looks_like(
    api: ApiClient, webhook_id: str
) -> None:
    for method, path in (("GET", "deliveries"), ("POST", "replay")):
        answer = api.http.request(
            method,
            f"/api/webhooks/{webhook_id}/{path}",
            json={"since": "2026-12-01T00:00:00Z"},
            headers=ADMIN,
        )
        assert answer.status_code == 404, answer.text
    assert api.http.delete(f"/api/webhooks/{webhook_id}", headers=ADMIN).status_code == 404

"""Data subject requests over HTTP: the privacy officer asks, the app works the request from its
queue, the export is one document, and an erased customer answers 410 in every channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import ADMIN, ApiClient, wait_for
from tests.support.builders import unique_shopper
from tests.support.local_host import running_host


@pytest.fixture(scope="module")
def api(storage_connection_string: str) -> Iterator[ApiClient]:
    with running_host(storage_connection_string) as client:
        yield client


def completed(api: ApiClient, kind: str, customer: str) -> dict[str, Any]:
    asked = api.http.post("/api/privacy/requests", json={"kind": kind, "customer": customer}, headers=ADMIN)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert request["status"] == "Received" and request["dueBy"] > request["receivedAt"]

    def done() -> dict[str, Any] | None:
        found = api.http.get(f"/api/privacy/requests/{request['requestId']}", headers=ADMIN).json()
        return found if found["status"] == "Completed" else None

    return wait_for(done, timeout=30)


def test_a_person_is_exported_then_erased_and_answers_410_everywhere(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    other_channel, other_key = api.new_channel()
    shopper = unique_shopper("Élodie", "Marchand")
    created = api.create_customer(channel_id, key, shopper).json()
    account = created["accountNumber"]

    exported = completed(api, "export", account)
    document = api.http.get(f"/api/privacy/requests/{exported['requestId']}/export", headers=ADMIN)
    assert document.status_code == 200, document.text
    assert document.json()["channelRecords"][0]["email"] == shopper["email"]
    audit = api.http.get("/api/audit", params={"limit": "50"}, headers=ADMIN).json()["items"]
    assert {"privacy.request", "privacy.export.read"} <= {entry["action"] for entry in audit}
    listed = api.http.get("/api/privacy/requests", params={"status": "Completed"}, headers=ADMIN).json()
    assert exported["requestId"] in [item["requestId"] for item in listed["items"]]

    erased = completed(api, "erasure", created["customerId"])
    assert erased["summary"]["ChannelCustomers (tombstones)"] == 1
    assert shopper["email"] not in str(erased)  # counts, never values
    for where, headers in ((channel_id, key), (other_channel, other_key)):
        for ref in (created["customerId"], account):
            answer = api.customer(where, headers, ref)
            assert answer.status_code == 410, answer.text
            assert answer.json()["type"].endswith("/customer-erased")
            assert shopper["lastName"] not in answer.text
    no_export = api.http.get(f"/api/privacy/requests/{erased['requestId']}/export", headers=ADMIN)
    assert no_export.status_code == 409


def test_a_request_of_the_wrong_shape_is_refused_naming_the_field(api: ApiClient) -> None:
    wrong = api.http.post("/api/privacy/requests", json={"kind": "forget", "customer": "C1"}, headers=ADMIN)
    assert wrong.status_code == 422 and "kind" in wrong.text
    nobody = api.http.post(
        "/api/privacy/requests", json={"kind": "export", "customer": "a/b#c?"}, headers=ADMIN
    )
    assert nobody.status_code == 422 and "customer" in nobody.text
    for request_id in ("nope", "a%2Fb", "%23x", "00000000000000-000000000000"):
        assert api.http.get(f"/api/privacy/requests/{request_id}", headers=ADMIN).status_code == 404
    _, key = api.new_channel()
    assert api.http.get("/api/privacy/requests", headers=key).status_code in (401, 403)


def test_a_request_naming_nobody_fails_and_says_why(api: ApiClient) -> None:
    asked = api.http.post(
        "/api/privacy/requests",
        json={"kind": "export", "customer": "5d3c3b8e-52a4-4d8e-9d0a-0c0ffee00000"},
        headers=ADMIN,
    ).json()

    def failed() -> dict[str, Any] | None:
        found = api.http.get(f"/api/privacy/requests/{asked['requestId']}", headers=ADMIN).json()
        return found if found["status"] == "Failed" else None

    assert wait_for(failed, timeout=30)["lastError"] == "customer-not-found"

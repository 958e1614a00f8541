"""Duplicate detection through the local host: the match rule, `flag` and `off`,
dismissing, and that ops see ids and field names only."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import unique_phone, unique_shopper


def shopper(**overrides: Any) -> dict[str, Any]:
    return unique_shopper("Zoë", "Ångström", **overrides)


def convert_now(api: ApiClient) -> None:
    response = api.http.post("/api/sync/runs", headers=ADMIN)
    assert response.status_code == 200, response.text


def create(api: ApiClient, channel: tuple[str, dict[str, str]], body: dict[str, Any]) -> dict[str, Any]:
    response = api.create_customer(channel[0], channel[1], body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def account_of(api: ApiClient, channel: tuple[str, dict[str, str]], customer_id: str) -> str:
    found = api.customer(channel[0], channel[1], customer_id).json()
    assert found["syncStatus"] == "Synced", found
    return str(found["accountNumber"])


def candidates_for(
    api: ApiClient, customer_ids: set[str], status: str | None = "Open"
) -> list[dict[str, Any]]:
    return [item for item in api.duplicates(status) if item["customerId"] in customer_ids]


def test_the_same_email_at_two_stores_is_one_open_candidate_against_the_older_customer(
    start_host: StartHost,
) -> None:
    # Only the batch converts: a queue delivery racing it for the same customer would give its
    # number back to the block, and the next customer could take a number below the first's.
    api = start_host(queue_trigger=False)
    north, south = api.new_channel(asyncCustomerCreation=True), api.new_channel(asyncCustomerCreation=True)
    first = create(api, north, shopper(email="Zoe.Twice@Example.com"))
    convert_now(api)
    second = create(api, south, shopper(email="zoe.twice@example.com", lastName="Other"))
    convert_now(api)
    older, newer = account_of(api, north, first["customerId"]), account_of(api, south, second["customerId"])
    assert older < newer

    [candidate] = candidates_for(api, {first["customerId"], second["customerId"]})
    assert candidate["customerId"] == second["customerId"] and candidate["channelId"] == south[0]
    assert (candidate["accountNumber"], candidate["candidateAccountNumber"]) == (newer, older)
    assert candidate["matchedOn"] == ["email"] and candidate["status"] == "Open"
    assert set(candidate) == {
        "duplicateId", "customerId", "channelId", "accountNumber", "candidateAccountNumber",
        "matchedOn", "detectedAt", "status",
    }  # fmt: skip
    # Both stay customers of their own: flag never changes what a till sees.
    assert account_of(api, south, second["customerId"]) == newer
    status = api.http.get("/api/sync/status").json()
    assert status["openDuplicates"] >= 1


def test_phone_and_folded_last_name_match_a_person_and_another_name_does_not(start_host: StartHost) -> None:
    api = start_host()
    channel = api.new_channel()  # sync creates: detection runs in the request too
    phone = unique_phone()
    first = create(api, channel, shopper(phone=phone, lastName="Ångström", email=None))
    twin = create(api, channel, shopper(phone=phone, lastName="ANGSTROM", firstName="Zoe"))
    stranger = create(api, channel, shopper(phone=phone, lastName="Berg"))
    assert first["syncStatus"] == twin["syncStatus"] == stranger["syncStatus"] == "Synced"

    [candidate] = candidates_for(api, {first["customerId"], twin["customerId"], stranger["customerId"]})
    assert candidate["customerId"] == twin["customerId"]
    assert candidate["candidateAccountNumber"] == first["accountNumber"]
    assert candidate["matchedOn"] == ["phone+name"]


def test_an_organization_matches_on_phone_and_folded_organization_name(start_host: StartHost) -> None:
    api = start_host()
    channel = api.new_channel()
    phone = unique_phone()
    company = {"customerType": "Organization", "phone": phone}
    first = create(api, channel, {**company, "organizationName": "Café Müller GmbH"})
    second = create(api, channel, {**company, "organizationName": "  cafe  MULLER gmbh "})
    [candidate] = candidates_for(api, {first["customerId"], second["customerId"]})
    assert candidate["customerId"] == second["customerId"] and candidate["matchedOn"] == ["phone+name"]


def test_a_dismissed_pair_stays_dismissed_and_leaves_the_open_list(start_host: StartHost) -> None:
    api = start_host()
    channel = api.new_channel()
    email = f"pair.{uuid.uuid4().hex[:8]}@example.com"
    first, second = create(api, channel, shopper(email=email)), create(api, channel, shopper(email=email))
    ids = {first["customerId"], second["customerId"]}
    [candidate] = candidates_for(api, ids)

    dismissed = api.http.post(f"/api/duplicates/{candidate['duplicateId']}/dismiss", headers=ADMIN)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "Dismissed"
    again = api.http.post(f"/api/duplicates/{candidate['duplicateId']}/dismiss", headers=ADMIN)
    assert again.status_code == 200 and again.json()["status"] == "Dismissed"
    assert candidates_for(api, ids) == []
    assert [c["status"] for c in candidates_for(api, ids, status="Dismissed")] == ["Dismissed"]

    # A third customer with the same e-mail is a new pair against the oldest, flagged as usual.
    third = create(api, channel, shopper(email=email))
    [fresh] = candidates_for(api, ids | {third["customerId"]})
    assert fresh["customerId"] == third["customerId"]
    assert fresh["candidateAccountNumber"] == first["accountNumber"]


def test_duplicates_routes_are_admin_only_and_check_their_input(start_host: StartHost) -> None:
    api = start_host()
    _, key = api.new_channel()
    assert api.http.get("/api/duplicates").status_code == 401
    assert api.http.get("/api/duplicates", headers=key).status_code == 403
    wrong = api.http.get("/api/duplicates?status=Maybe", headers=ADMIN)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "status"
    missing = api.http.post(f"/api/duplicates/{uuid.uuid4()}/dismiss", headers=ADMIN)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_the_duplicates_list_is_paged_and_every_candidate_is_on_exactly_one_page(
    start_host: StartHost,
) -> None:
    api = start_host()
    channel = api.new_channel()
    ids: set[str] = set()
    for _ in range(5):
        email = f"paged.{uuid.uuid4().hex[:8]}@example.com"
        ids |= {create(api, channel, shopper(email=email))["customerId"] for _ in range(2)}
    seen: list[str] = []
    params = {"limit": "2"}
    while True:
        page = api.http.get("/api/duplicates", params=params, headers=ADMIN).json()
        assert len(page["items"]) <= 2
        seen += [item["duplicateId"] for item in page["items"] if item["customerId"] in ids]
        if page["nextCursor"] is None:
            break
        params["cursor"] = page["nextCursor"]
    assert len(seen) == len(set(seen)) == 5
    too_many = api.http.get("/api/duplicates", params={"limit": "101"}, headers=ADMIN)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"
    forged = api.http.get("/api/duplicates", params={"cursor": "not-a-cursor"}, headers=ADMIN)
    assert forged.status_code == 422 and forged.json()["errors"][0]["field"] == "cursor"


def test_policy_off_records_nothing(start_host: StartHost) -> None:
    api = start_host(DUPLICATE_POLICY="off")
    channel = api.new_channel()
    email = f"off.{uuid.uuid4().hex[:8]}@example.com"
    first, second = create(api, channel, shopper(email=email)), create(api, channel, shopper(email=email))
    assert candidates_for(api, {first["customerId"], second["customerId"]}, status=None) == []


def test_detection_logs_and_lists_ids_and_field_names_never_the_matched_values(
    start_host: StartHost, caplog: pytest.LogCaptureFixture
) -> None:
    api = start_host()
    channel = api.new_channel(asyncCustomerCreation=True)
    body = shopper(email=f"private.{uuid.uuid4().hex[:8]}@example.com")
    with caplog.at_level(logging.DEBUG):
        first = create(api, channel, body)
        second = create(api, channel, dict(body))
        convert_now(api)
        listed = candidates_for(api, {first["customerId"], second["customerId"]})
    assert len(listed) == 1
    secrets = [body["email"], body["phone"], body["lastName"], body["firstName"], "Angstrom", "angstrom"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert any("may duplicate" in record.getMessage() for record in caplog.records)
    for value in secrets:
        assert value not in logged and value.lower() not in logged.lower()
        assert value.lower() not in json.dumps(listed).lower()

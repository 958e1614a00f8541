"""`DUPLICATE_POLICY=link` and merging a candidate, through the local host."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.conftest import StartHost
from tests.e2e.test_duplicates import account_of, candidates_for, convert_now, create, shopper
from tests.support.api import ADMIN, ApiClient
from tests.support.inspection import hq_loyalty_cards, hq_master, hq_masters_of

Channel = tuple[str, dict[str, str]]
HOME = {"street": "1 Main St", "city": "London", "countryRegionId": "GBR"}
WORK = {"street": "9 Dock Rd", "city": "London", "countryRegionId": "GBR", "purpose": "Business"}


def search(api: ApiClient, channel: Channel, text: str) -> list[dict[str, Any]]:
    response = api.http.get(
        f"/api/channels/{channel[0]}/customers", params={"search": text}, headers=channel[1]
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def places(customer: dict[str, Any]) -> list[str]:
    return sorted(address["street"] for address in customer["addresses"])


def test_link_binds_an_async_customer_to_the_existing_account_and_adds_only_new_addresses(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host(DUPLICATE_POLICY="link")
    north, south = api.new_channel(asyncCustomerCreation=True), api.new_channel(asyncCustomerCreation=True)
    email = f"link.{uuid.uuid4().hex[:8]}@example.com"
    first = create(api, north, shopper(email=email, emailVerified=True, addresses=[HOME]))
    convert_now(api)
    existing = account_of(api, north, first["customerId"])

    again = create(
        api,
        south,
        shopper(email=email.upper(), emailVerified=True, firstName="Zoe", addresses=[dict(HOME), WORK]),
    )
    assert again["syncStatus"] == "Pending" and again["linkedToExisting"] is False
    convert_now(api)

    linked = api.customer(south[0], south[1], again["customerId"]).json()  # as the till that made it
    assert linked["syncStatus"] == "Synced" and linked["accountNumber"] == existing
    assert linked["linkedToExisting"] is True and linked["customerId"] == again["customerId"]
    assert hq_masters_of(storage_connection_string, again["customerId"]) == []  # no new HQ customer

    # The HQ customer gained the one new address; the identical one was not added twice.
    shown = api.customer(north[0], north[1], existing).json()
    assert shown["customerId"] == first["customerId"] and shown["linkedToExisting"] is False
    assert places(shown) == ["1 Main St", "9 Dock Rd"] and shown["addressCount"] == 2
    # From any other channel, the linked GUID is the existing customer; search lists it once.
    assert api.customer(north[0], north[1], again["customerId"]).json()["customerId"] == first["customerId"]
    assert [item["accountNumber"] for item in search(api, south, email)] == [existing]

    # A change made through the linked GUID goes to the HQ customer it was linked to.
    edited = api.http.patch(
        f"/api/channels/{south[0]}/customers/{again['customerId']}", json={"title": "Dr"}, headers=south[1]
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["customerId"] == first["customerId"] and edited.json()["title"] == "Dr"
    assert candidates_for(api, {first["customerId"], again["customerId"]}, status=None) == []


def test_a_sync_create_under_link_answers_201_with_the_existing_account(start_host: StartHost) -> None:
    api = start_host(DUPLICATE_POLICY="link")
    store, web = api.new_channel(), api.new_channel()
    email = f"sync.{uuid.uuid4().hex[:8]}@example.com"
    first = create(api, store, shopper(email=email, emailVerified=True, lastName="Ångström"))
    assert first["syncStatus"] == "Synced" and first["linkedToExisting"] is False

    response = api.create_customer(web[0], web[1], shopper(email=email, emailVerified=True, lastName="Berg"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["accountNumber"] == first["accountNumber"] and body["linkedToExisting"] is True
    assert body["syncStatus"] == "Synced" and body["customerId"] != first["customerId"]
    assert body["emailVerified"] is True

    # The same phone and surname is a family, not a proof: a new customer, flagged for a person.
    phone = f"+44207{uuid.uuid4().int % 10**7:07d}"
    anna = create(api, store, shopper(email=None, phone=phone, firstName="Anna", lastName="Berg"))
    john = create(api, web, shopper(email=None, phone=phone, firstName="John", lastName="BERG"))
    assert john["linkedToExisting"] is False and john["accountNumber"] != anna["accountNumber"]
    [flagged] = candidates_for(api, {anna["customerId"], john["customerId"]})
    assert flagged["matchedOn"] == ["phone+name"]


def test_merge_folds_the_newer_customer_into_the_older_everywhere(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host()
    north, south, west = (api.new_channel() for _ in range(3))
    email = f"merge.{uuid.uuid4().hex[:8]}@example.com"
    older = create(api, north, shopper(email=email, addresses=[HOME]))
    newer = create(api, south, shopper(email=email, firstName="Zoe", addresses=[dict(HOME), WORK]))
    card = api.http.post(
        f"/api/channels/{south[0]}/customers/{newer['customerId']}/loyalty-cards", headers=south[1]
    )
    assert card.status_code == 201, card.text
    ids = {older["customerId"], newer["customerId"]}
    [candidate] = candidates_for(api, ids)
    merge_url = f"/api/duplicates/{candidate['duplicateId']}/merge"

    # The review shows both side by side, the conflicts and exactly what the merge leaves.
    review = api.http.get(f"/api/duplicates/{candidate['duplicateId']}", headers=ADMIN)
    assert review.status_code == 200, review.text
    shown = review.json()
    assert shown["duplicate"]["duplicateId"] == candidate["duplicateId"] and shown["refusedBecause"] is None
    assert shown["survivor"]["customerId"] == older["customerId"]
    assert shown["merged"]["customerId"] == newer["customerId"]
    assert {"field": "firstName", "survivorValue": "Zoë", "mergedValue": "Zoe"} in shown["conflicts"]
    assert places(shown["result"]) == ["1 Main St", "9 Dock Rd"]

    merged = api.http.post(merge_url, headers=ADMIN)
    assert merged.status_code == 200, merged.text
    survivor = merged.json()
    volatile = {"version", "addresses", "syncedAt"}
    assert {k: v for k, v in survivor.items() if k not in volatile} == {
        k: v for k, v in shown["result"].items() if k not in volatile
    }
    assert (
        survivor["customerId"] == older["customerId"] and survivor["accountNumber"] == older["accountNumber"]
    )
    assert survivor["mergedAccountNumbers"] == [newer["accountNumber"]]
    assert places(survivor) == ["1 Main St", "9 Dock Rd"]

    # Every reference to either customer, in every channel, reaches the survivor.
    for channel in (north, south, west):
        for ref in (newer["customerId"], newer["accountNumber"], older["customerId"], older["accountNumber"]):
            found = api.customer(channel[0], channel[1], ref)
            assert found.status_code == 200, (channel[0], ref, found.text)
            assert found.json()["customerId"] == older["customerId"], (channel[0], ref)
        assert [item["customerId"] for item in search(api, channel, email)] == [older["customerId"]]

    # The loyalty card moved; the merged master stays as a tombstone naming the survivor.
    assert hq_loyalty_cards(storage_connection_string, older["accountNumber"]) == [card.json()["cardNumber"]]
    assert hq_loyalty_cards(storage_connection_string, newer["accountNumber"]) == []
    tombstone = hq_master(storage_connection_string, newer["accountNumber"])
    assert tombstone is not None and tombstone["MergedInto"] == older["accountNumber"]

    # Idempotent; the candidate is merged for good.
    assert [c["status"] for c in candidates_for(api, ids, status=None)] == ["Merged"]
    again = api.http.post(merge_url, headers=ADMIN)
    assert again.status_code == 200 and again.json()["customerId"] == older["customerId"]
    assert (
        api.http.post(f"/api/duplicates/{candidate['duplicateId']}/dismiss", headers=ADMIN).status_code == 409
    )

    # A change through the merged GUID goes to the survivor.
    edited = api.http.patch(
        f"/api/channels/{south[0]}/customers/{newer['customerId']}", json={"title": "Prof"}, headers=south[1]
    )
    assert edited.status_code == 200 and edited.json()["customerId"] == older["customerId"]
    assert api.customer(north[0], north[1], older["customerId"]).json()["title"] == "Prof"


def test_merge_checks_its_candidate(start_host: StartHost) -> None:
    api = start_host()
    channel = api.new_channel()
    _, key = channel
    assert api.http.post(f"/api/duplicates/{uuid.uuid4()}/merge").status_code == 401
    assert api.http.post(f"/api/duplicates/{uuid.uuid4()}/merge", headers=key).status_code == 403
    assert api.http.post(f"/api/duplicates/{uuid.uuid4()}/merge", headers=ADMIN).status_code == 404
    email = f"apart.{uuid.uuid4().hex[:8]}@example.com"
    first, second = create(api, channel, shopper(email=email)), create(api, channel, shopper(email=email))
    [candidate] = candidates_for(api, {first["customerId"], second["customerId"]})
    assert (
        api.http.post(f"/api/duplicates/{candidate['duplicateId']}/dismiss", headers=ADMIN).status_code == 200
    )
    refused = api.http.post(f"/api/duplicates/{candidate['duplicateId']}/merge", headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/duplicate-dismissed")
    assert account_of(api, channel, second["customerId"]) == second["accountNumber"]  # both stay


def test_a_merge_that_would_drop_a_contact_is_reviewed_as_refused_and_answers_409(
    start_host: StartHost,
) -> None:
    api = start_host()
    north, south = api.new_channel(), api.new_channel()
    email = f"full.{uuid.uuid4().hex[:8]}@example.com"
    full = [f"f{n}.{uuid.uuid4().hex[:6]}@example.com" for n in range(10)]
    older = create(api, north, shopper(email=email, additionalEmails=full))
    newer = create(api, south, shopper(email=email, additionalEmails=["extra@example.com"]))
    [candidate] = candidates_for(api, {older["customerId"], newer["customerId"]})
    review = api.http.get(f"/api/duplicates/{candidate['duplicateId']}", headers=ADMIN).json()
    assert review["result"] is None and "additionalEmails" in review["refusedBecause"]
    refused = api.http.post(f"/api/duplicates/{candidate['duplicateId']}/merge", headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/merge-exceeds-limits")
    assert [error["field"] for error in refused.json()["errors"]] == ["additionalEmails"]
    assert [c["status"] for c in candidates_for(api, {newer["customerId"]}, status=None)] == ["Open"]
    missing = api.http.get(f"/api/duplicates/{uuid.uuid4()}", headers=ADMIN)
    assert missing.status_code == 404

"""Every read and change through a channel key is in the access log, over HTTP: listed per key and
per person for the privacy officer, never for a channel key."""

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


def entries(api: ApiClient, path: str, count: int) -> list[dict[str, Any]]:
    def listed() -> list[dict[str, Any]] | None:
        response = api.http.get(path, params={"limit": "50"}, headers=ADMIN)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items if len(items) >= count else None

    return wait_for(listed)


def test_each_thing_a_key_does_to_a_customer_is_listed_per_key_and_per_person(api: ApiClient) -> None:
    channel_id, key = api.new_channel(asyncCustomerEdits=True)
    key_id = key["Authorization"].split(".")[2]
    base = f"/api/channels/{channel_id}/customers"
    created = api.create_customer(channel_id, key, unique_shopper("Inès", "Moreau")).json()
    customer_id, account = created["customerId"], created["accountNumber"]
    assert api.http.get(f"{base}/{account}", headers=key).status_code == 200
    assert api.http.get(base, params={"search": created["email"]}, headers=key).json()["items"]
    assert (
        api.http.patch(f"{base}/{customer_id}", json={"lastName": "Moreau-Roy"}, headers=key).status_code
        == 200
    )
    address = {"street": "3 Rue Neuve", "city": "Lyon", "countryRegionId": "FRA"}
    assert api.http.post(f"{base}/{customer_id}/addresses", json=address, headers=key).status_code == 201
    assert api.http.get(f"{base}/{customer_id}/consents", headers=key).status_code == 200
    assert api.http.post(f"{base}/{customer_id}/loyalty-cards", headers=key).status_code == 201

    by_key = entries(api, f"/api/channels/{channel_id}/keys/{key_id}/access-log", 7)
    assert [entry["action"] for entry in by_key] == [
        "loyalty",
        "consents",
        "address",
        "edit",
        "search",
        "read",
        "create",
    ]
    assert {(entry["customerId"], entry["accountNumber"], entry["keyId"]) for entry in by_key} == {
        (customer_id, account, key_id)
    }
    by_person = entries(api, f"/api/customers/{account}/access-log", 7)
    assert by_person == by_key
    assert api.http.get(f"/api/customers/{customer_id}/access-log", headers=ADMIN).json()["items"] == by_key
    # A channel key never reads an access log.
    assert api.http.get(f"/api/customers/{customer_id}/access-log", headers=key).status_code == 403

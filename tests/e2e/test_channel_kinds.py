"""Channel kinds: a web checkout's key (Online) creates customers and reaches only its own; a
till's key (Store) finds any returning customer. Over HTTP, through the local host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import ADMIN, ApiClient, wait_for
from tests.support.builders import unique_shopper
from tests.support.local_host import running_host


@pytest.fixture(scope="module")
def api(storage_connection_string: str) -> Iterator[ApiClient]:
    with running_host(storage_connection_string) as client:
        yield client


def synced_customer(api: ApiClient, channel: tuple[str, dict[str, str]], **overrides: Any) -> dict[str, Any]:
    channel_id, key = channel
    created = api.create_customer(channel_id, key, unique_shopper("Lena", "Vogt", **overrides))
    assert created.status_code == 201, created.text
    customer_id = created.json()["customerId"]

    def converted() -> dict[str, Any] | None:
        body: dict[str, Any] = api.customer(channel_id, key, customer_id).json()
        return body if body.get("syncStatus") == "Synced" else None

    return wait_for(converted)


def problem_of(response: httpx.Response) -> tuple[int, str]:
    """Status and problem type of a problem+json answer."""
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, str(response.json()["type"]).rsplit("/", 1)[-1]


def routes_of_a_customer(channel_id: str, ref: str) -> list[tuple[str, str, Any]]:
    base = f"/api/channels/{channel_id}/customers/{ref}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"lastName": "Changed"}),
        ("GET", f"{base}/addresses", None),
        ("POST", f"{base}/addresses", {"street": "2 Rue Neuve", "city": "Lyon", "countryRegionId": "FRA"}),
        ("GET", f"{base}/consents", None),
        ("POST", f"{base}/loyalty-cards", None),
    ]


def test_a_channel_is_a_store_unless_made_online(api: ApiClient) -> None:
    store_id, _ = api.new_channel()
    online_id, _ = api.new_channel(kind="Online")
    assert api.http.get(f"/api/channels/{store_id}", headers=ADMIN).json()["kind"] == "Store"
    assert api.http.get(f"/api/channels/{online_id}", headers=ADMIN).json()["kind"] == "Online"
    bad = api.http.put(f"/api/channels/{store_id}", json={"kind": "Kiosk"}, headers=ADMIN)
    assert problem_of(bad) == (422, "validation-error")
    assert [error["field"] for error in bad.json()["errors"]] == ["kind"]


def test_an_online_key_may_not_search(api: ApiClient) -> None:
    online_id, online_key = api.new_channel(kind="Online")
    search = api.http.get(f"/api/channels/{online_id}/customers", params={"search": "a"}, headers=online_key)
    assert problem_of(search) == (403, "channel-kind-forbids-search")


def test_an_online_key_reaches_its_own_customers_by_guid_and_account_number(api: ApiClient) -> None:
    online = api.new_channel(kind="Online", asyncCustomerEdits=True)
    customer = synced_customer(api, online)
    online_id, online_key = online
    for ref in (customer["customerId"], customer["accountNumber"]):
        read = api.customer(online_id, online_key, ref)
        assert read.status_code == 200 and read.json()["customerId"] == customer["customerId"]
    edited = api.http.patch(
        f"/api/channels/{online_id}/customers/{customer['accountNumber']}",
        json={"lastName": "Vogt-Berg"},
        headers=online_key,
    )
    assert edited.status_code == 200, edited.text


def test_any_customer_an_online_key_did_not_create_does_not_exist_for_it(api: ApiClient) -> None:
    store = api.new_channel()
    stranger = synced_customer(api, store)
    online_id, online_key = api.new_channel(kind="Online")
    for ref in (stranger["customerId"], stranger["accountNumber"]):
        for method, path, body in routes_of_a_customer(online_id, ref):
            response = api.http.request(method, path, json=body, headers=online_key)
            assert problem_of(response) == (404, "customer-not-found"), (method, path)
    # The store's own key still reaches its customer; nothing changed it.
    again = api.customer(store[0], store[1], stranger["customerId"]).json()
    assert again["lastName"] == "Vogt" and again["addressCount"] == stranger["addressCount"]


def test_a_store_key_finds_and_reads_a_customer_an_online_channel_created(api: ApiClient) -> None:
    online = api.new_channel(kind="Online")
    shopper = synced_customer(api, online)
    store_id, store_key = api.new_channel()
    found = api.http.get(
        f"/api/channels/{store_id}/customers", params={"search": shopper["email"]}, headers=store_key
    )
    assert [item["customerId"] for item in found.json()["items"]] == [shopper["customerId"]]
    assert api.customer(store_id, store_key, shopper["accountNumber"]).status_code == 200

"""A store cannot hide another channel's shopper behind customers it made up."""

from __future__ import annotations

import random
import uuid
from typing import Any

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, ApiClient


def _unique_phone() -> str:
    return f"+1212{random.randint(230, 989)}{random.randint(0, 9999):04d}"


def _search(api: ApiClient, channel: str, key: dict[str, str], text: str, **params: Any) -> dict[str, Any]:
    response = api.http.get(
        f"/api/channels/{channel}/customers", params={"search": text, **params}, headers=key
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def test_fifty_planted_customers_do_not_push_the_real_shopper_off_the_first_page(
    start_host: StartHost,
) -> None:
    api = start_host(queue_trigger=False)
    web, web_key = api.new_channel()  # sync: the shopper gets an account number at once
    store, store_key = api.new_channel(asyncCustomerCreation=True)
    surname = f"Shopper{uuid.uuid4().hex[:8]}"
    email, phone = f"{uuid.uuid4().hex[:10]}@example.com", _unique_phone()
    shopper = api.create_customer(
        web, web_key, {"firstName": "Real", "lastName": surname, "email": email, "phone": phone}
    )
    assert shopper.status_code == 201 and shopper.json()["syncStatus"] == "Synced", shopper.text
    shopper_id = shopper.json()["customerId"]

    # The attack: ids chosen to sort first, the shopper's e-mail, phone and name, then synced.
    planted = [
        {
            "customerId": f"00000000-0000-4000-8000-{number:012d}",
            "firstName": "Fake",
            "lastName": surname,
            "email": email,
            "phone": phone,
        }
        for number in range(50)
    ]
    upload = api.http.post(
        f"/api/channels/{store}/offline-customers", json={"customers": planted}, headers=store_key
    )
    assert upload.status_code == 200 and {r["status"] for r in upload.json()["results"]} == {201}, upload.text
    assert api.http.post("/api/sync/runs", headers=ADMIN).json()["converted"] >= 50

    for text in (email, phone, surname):
        page = _search(api, web, web_key, text)
        assert page["items"][0]["customerId"] == shopper_id, text  # the oldest account number first
        assert len(page["items"]) == 20 and page["nextCursor"]


def test_pages_follow_the_cursor_and_list_each_customer_once(start_host: StartHost) -> None:
    api = start_host(queue_trigger=False)
    store, key = api.new_channel(asyncCustomerCreation=True)
    family = f"Pages{uuid.uuid4().hex[:8]}"
    created = [
        api.create_customer(store, key, {"firstName": f"N{n}", "lastName": family}).json()["customerId"]
        for n in range(7)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        page = _search(api, store, key, family, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [item["customerId"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == created  # pending customers by creation time, none twice


def test_a_cursor_that_was_not_given_out_is_422(start_host: StartHost) -> None:
    api = start_host(queue_trigger=False)
    store, key = api.new_channel()
    response = api.http.get(
        f"/api/channels/{store}/customers", params={"search": "ada", "cursor": "not-a-cursor"}, headers=key
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"
    too_many = api.http.get(
        f"/api/channels/{store}/customers", params={"search": "ada", "limit": "51"}, headers=key
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"

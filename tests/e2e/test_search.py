"""Search through the local host: synced customers of every channel, pending ones of this channel."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN
from tests.support.builders import person


def test_search_finds_by_every_key_and_hides_other_channels_pending_customers(start_host: StartHost) -> None:
    api = start_host(queue_trigger=False)
    store, store_key = api.new_channel(asyncCustomerCreation=True)
    web, web_key = api.new_channel()
    surname = f"Zoë{uuid.uuid4().hex[:8]}"
    email = f"{uuid.uuid4().hex[:10]}@Example.com"
    created = api.create_customer(
        store, store_key, person(lastName=surname, email=email, phone="(206) 555-0142")
    ).json()

    def search(channel: str, key: dict[str, str], text: str) -> list[str]:
        response = api.http.get(f"/api/channels/{channel}/customers", params={"search": text}, headers=key)
        assert response.status_code == 200, response.text
        return [item["customerId"] for item in response.json()["items"]]

    assert search(store, store_key, surname.lower().replace("ë", "e")[:6]) == [created["customerId"]]
    assert search(web, web_key, email.upper()) == []  # pending in another channel: invisible

    assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    account = api.customer(store, store_key, created["customerId"]).json()["accountNumber"]
    for text in (email.upper(), "206-555-0142", "+1 206 555 0142", account.lower(), surname[:5]):
        assert created["customerId"] in search(web, web_key, text), text


def test_search_text_is_validated(start_host: StartHost) -> None:
    api = start_host()
    channel, key = api.new_channel()
    missing = api.http.get(f"/api/channels/{channel}/customers", headers=key)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "search"
    odata = api.http.get(
        f"/api/channels/{channel}/customers", params={"search": "' or PartitionKey ne '"}, headers=key
    )
    # Text, never a filter: only a customer really named so may answer (another test makes one).
    assert odata.status_code == 200
    assert all(item["lastName"] == "' or PartitionKey ne '" for item in odata.json()["items"])


def test_edited_email_is_found_and_the_old_one_no_longer(start_host: StartHost) -> None:
    api = start_host()
    channel, key = api.new_channel()
    old, new = f"{uuid.uuid4().hex[:10]}@example.com", f"{uuid.uuid4().hex[:10]}@example.com"
    customer = api.create_customer(channel, key, person(email=old)).json()
    edited = api.http.patch(
        f"/api/channels/{channel}/customers/{customer['customerId']}", json={"email": new}, headers=key
    )
    assert edited.status_code == 200

    def found(text: str) -> list[str]:
        response = api.http.get(f"/api/channels/{channel}/customers", params={"search": text}, headers=key)
        return [item["customerId"] for item in response.json()["items"]]

    assert found(new) == [customer["customerId"]]
    assert found(old) == []

"""What a till captures beyond the name, through the local host: customer attributes,
marketing consent per contact with its history, and the store's default customer properties."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import unique_shopper
from tests.support.inspection import hq_master

Channel = tuple[str, dict[str, str]]


def shopper(**overrides: Any) -> dict[str, Any]:
    return unique_shopper("Maren", "Solberg", **overrides)


def define(api: ApiClient, name: str, **definition: Any) -> dict[str, Any]:
    response = api.http.put(f"/api/customer-attributes/{name}", json=definition, headers=ADMIN)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def unique_name(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:8]}"


def field_errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def convert_now(api: ApiClient) -> None:
    assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200


@pytest.fixture
def attributes(start_host: StartHost) -> tuple[ApiClient, dict[str, str]]:
    """A host and five attributes of every kind, under names no other test uses."""
    api = start_host()
    names = {
        kind: unique_name(kind) for kind in ("shoeSize", "vip", "tier", "memberSince", "nickname", "height")
    }
    define(api, names["shoeSize"], label="Shoe size", type="Integer")
    define(api, names["vip"], label="VIP", type="Boolean")
    define(api, names["tier"], label="Tier", type="Choice", choices=["Silver", "Gold"])
    define(api, names["memberSince"], label="Member since", type="Date")
    define(api, names["nickname"], label="Nickname", type="Text", maxLength=12)
    define(api, names["height"], label="Height (m)", type="Decimal")
    return api, names


def test_attribute_definitions_are_admin_managed_and_readable_with_any_key(start_host: StartHost) -> None:
    api = start_host()
    _, key = api.new_channel()
    name = unique_name("size")
    body = {"label": "Size", "type": "Choice", "choices": ["S", "M", "L"], "required": False}
    assert api.http.put(f"/api/customer-attributes/{name}", json=body, headers=key).status_code == 403
    assert api.http.put(f"/api/customer-attributes/{name}", json=body).status_code == 401
    created = api.http.put(f"/api/customer-attributes/{name}", json=body, headers=ADMIN)
    assert (
        created.status_code == 201 and created.json()["name"] == name and created.json()["retired"] is False
    )
    changed = api.http.put(
        f"/api/customer-attributes/{name}", json={**body, "label": "Size (EU)"}, headers=ADMIN
    )
    assert changed.status_code == 200 and changed.json()["label"] == "Size (EU)"

    listed = api.http.get("/api/customer-attributes", headers=key)  # a till's key reads them
    assert listed.status_code == 200
    assert [item for item in listed.json()["items"] if item["name"] == name] == [changed.json()]
    assert api.http.get("/api/customer-attributes").status_code == 401

    assert "name" in field_errors(api.http.put("/api/customer-attributes/9lives", json=body, headers=ADMIN))
    no_choices = api.http.put(
        f"/api/customer-attributes/{name}", json={"label": "X", "type": "Choice"}, headers=ADMIN
    )
    assert list(field_errors(no_choices)) == ["body"]
    wrong_type = api.http.put(
        f"/api/customer-attributes/{name}", json={"label": "X", "type": "Colour"}, headers=ADMIN
    )
    assert "type" in field_errors(wrong_type)

    retired = api.http.delete(f"/api/customer-attributes/{name}", headers=ADMIN)
    assert retired.status_code == 200 and retired.json()["retired"] is True
    assert all(
        item["name"] != name for item in api.http.get("/api/customer-attributes", headers=key).json()["items"]
    )
    every = api.http.get("/api/customer-attributes?includeRetired=true", headers=ADMIN).json()["items"]
    assert [item["retired"] for item in every if item["name"] == name] == [True]
    assert (
        api.http.delete(f"/api/customer-attributes/{unique_name('none')}", headers=ADMIN).status_code == 404
    )


def test_attribute_values_are_validated_by_their_definition(
    attributes: tuple[ApiClient, dict[str, str]],
) -> None:
    api, names = attributes
    channel = api.new_channel(asyncCustomerCreation=True)

    def errors_of(values: dict[str, Any]) -> dict[str, str]:
        return field_errors(api.create_customer(channel[0], channel[1], shopper(attributes=values)))

    unknown = unique_name("unknown")
    found = errors_of(
        {
            names["shoeSize"]: "42",
            names["vip"]: 1,
            names["tier"]: "Platinum",
            names["memberSince"]: "2024-02-30",
            names["nickname"]: "much too long a nickname",
            names["height"]: "tall",
            unknown: 1,
        }
    )
    assert set(found) == {f"attributes.{name}" for name in [*names.values(), unknown]}
    assert "Silver" in found[f"attributes.{names['tier']}"]
    # A required attribute missing at create: tests/unit/test_till_data.py (definitions are HQ-wide,
    # so a required one defined here would refuse the creates other tests make meanwhile).


def test_attributes_are_kept_while_pending_synced_to_hq_and_edited(
    attributes: tuple[ApiClient, dict[str, str]], storage_connection_string: str
) -> None:
    api, names = attributes
    store, web = api.new_channel(asyncCustomerCreation=True), api.new_channel()
    values = {
        names["shoeSize"]: 42,
        names["vip"]: True,
        names["tier"]: "Gold",
        names["memberSince"]: "2024-05-01",
        names["nickname"]: "Mar",
        names["height"]: 1.72,
    }
    created = api.create_customer(store[0], store[1], shopper(attributes=values))
    assert created.status_code == 201, created.text
    assert created.json()["syncStatus"] == "Pending"
    stored = {**values, names["height"]: "1.72"}  # a decimal is kept exactly, as text
    assert created.json()["attributes"] == stored
    customer_id = created.json()["customerId"]
    convert_now(api)

    account = api.customer(store[0], store[1], customer_id).json()["accountNumber"]
    from_web = api.customer(web[0], web[1], account).json()
    assert from_web["attributes"] == stored
    master = hq_master(storage_connection_string, account)
    assert master is not None and f'"{names["tier"]}":"Gold"' in master["Profile"].replace(" ", "")

    edited = api.http.patch(
        f"/api/channels/{web[0]}/customers/{account}",
        json={"attributes": {names["vip"]: False, names["nickname"]: None}},
        headers=web[1],
    )
    assert edited.status_code == 200, edited.text
    expected = {name: value for name, value in stored.items() if name != names["nickname"]}
    assert edited.json()["attributes"] == {**expected, names["vip"]: False}
    convert_now(api)
    master = hq_master(storage_connection_string, account)
    assert master is not None and f'"{names["vip"]}":false' in master["Profile"].replace(" ", "")

    # Retired: the value stays readable and survives other edits, but no new value is accepted.
    assert api.http.delete(f"/api/customer-attributes/{names['tier']}", headers=ADMIN).status_code == 200
    assert api.customer(web[0], web[1], account).json()["attributes"][names["tier"]] == "Gold"
    other_edit = api.http.patch(
        f"/api/channels/{web[0]}/customers/{account}",
        json={"attributes": {names["shoeSize"]: 43}},
        headers=web[1],
    )
    assert other_edit.status_code == 200 and other_edit.json()["attributes"][names["tier"]] == "Gold"
    refused = api.http.patch(
        f"/api/channels/{web[0]}/customers/{account}",
        json={"attributes": {names["tier"]: "Silver"}},
        headers=web[1],
    )
    assert list(field_errors(refused)) == [f"attributes.{names['tier']}"]


def test_a_sync_create_writes_its_attributes_to_hq(
    attributes: tuple[ApiClient, dict[str, str]], storage_connection_string: str
) -> None:
    api, names = attributes
    store = api.new_channel()
    created = api.create_customer(store[0], store[1], shopper(attributes={names["vip"]: True}))
    assert created.status_code == 201 and created.json()["syncStatus"] == "Synced"
    master = hq_master(storage_connection_string, created.json()["accountNumber"])
    assert master is not None and f'"{names["vip"]}":true' in master["Profile"].replace(" ", "")


def consents(api: ApiClient, channel: Channel, ref: str) -> list[dict[str, Any]]:
    response = api.http.get(f"/api/channels/{channel[0]}/customers/{ref}/consents", headers=channel[1])
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_consent_per_contact_is_kept_with_its_history_newest_first(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host()
    store, web = api.new_channel(asyncCustomerCreation=True), api.new_channel()
    body = shopper(
        emailMarketingConsent=True,
        additionalEmails=["work@example.com", {"value": "Home@Example.com", "marketingConsent": True}],
        additionalPhones=[{"value": "+44 20 7946 0000", "marketingConsent": False}],
    )
    created = api.create_customer(store[0], store[1], body)
    assert created.status_code == 201, created.text
    customer = created.json()
    assert customer["emailMarketingConsent"] is True and customer["phoneMarketingConsent"] is False
    assert customer["additionalEmails"] == [
        {"value": "work@example.com", "marketingConsent": False},
        {"value": "Home@example.com", "marketingConsent": True},
    ]
    assert customer["additionalPhones"] == [{"value": "+442079460000", "marketingConsent": False}]
    at_create = consents(api, store, customer["customerId"])
    assert {
        (c["contact"], c["value"], c["marketingConsent"], c["reason"]) for c in at_create
    } == {  # consents given; no is the default
        ("email", customer["email"], True, "create"),
        ("additionalEmails", "Home@example.com", True, "create"),
    }
    assert {c["channelId"] for c in at_create} == {store[0]}

    convert_now(api)
    account = api.customer(store[0], store[1], customer["customerId"]).json()["accountNumber"]
    master = hq_master(storage_connection_string, account)
    assert master is not None and '"emailMarketingConsent":true' in master["Profile"].replace(" ", "")

    # Withdrawn at another store, given for the phone: appended, newest first, never rewritten.
    edited = api.http.patch(
        f"/api/channels/{web[0]}/customers/{account}",
        json={"emailMarketingConsent": False, "phoneMarketingConsent": True},
        headers=web[1],
    )
    assert edited.status_code == 200, edited.text
    history = consents(api, web, account)
    assert len(history) == len(at_create) + 2
    assert {(c["contact"], c["value"], c["marketingConsent"], c["channelId"]) for c in history[:2]} == {
        ("email", customer["email"], False, web[0]),
        ("phone", customer["phone"], True, web[0]),
    }
    assert history[2:] == at_create
    assert [c["changedAt"] for c in history] == sorted((c["changedAt"] for c in history), reverse=True)
    # An edit that changes no consent adds nothing.
    api.http.patch(f"/api/channels/{web[0]}/customers/{account}", json={"title": "Ms"}, headers=web[1])
    assert len(consents(api, web, account)) == len(history)


def test_additional_contacts_stay_refused_on_async_creates_without_the_enhanced_flag(
    start_host: StartHost,
) -> None:
    api = start_host()
    store = api.new_channel(asyncCustomerCreation=True, enhancedAsyncCustomers=False)
    body = shopper(additionalEmails=[{"value": "work@example.com", "marketingConsent": True}])
    assert "additionalEmails" in field_errors(api.create_customer(store[0], store[1], body))
    plain = api.create_customer(store[0], store[1], shopper(emailMarketingConsent=True))
    assert plain.status_code == 201 and plain.json()["emailMarketingConsent"] is True


def test_store_defaults_fill_what_the_request_leaves_out(start_host: StartHost) -> None:
    api = start_host()
    defaults = {
        "customerGroup": "Retail",
        "currency": "eur",
        "language": "en-gb",
        "receiptPreference": "Email",
    }
    store = api.new_channel(asyncCustomerCreation=True, customerDefaults=defaults)
    profile = api.http.get(f"/api/channels/{store[0]}", headers=ADMIN).json()
    assert profile["customerDefaults"] == {**defaults, "currency": "EUR", "language": "en-GB"}

    plain = api.create_customer(store[0], store[1], shopper()).json()
    assert (plain["customerGroup"], plain["currency"], plain["language"], plain["receiptPreference"]) == (
        "Retail",
        "EUR",
        "en-GB",
        "Email",
    )
    own = api.create_customer(store[0], store[1], shopper(currency="NOK", receiptPreference="Print")).json()
    assert (own["customerGroup"], own["currency"], own["receiptPreference"]) == ("Retail", "NOK", "Print")
    convert_now(api)
    assert api.customer(store[0], store[1], own["customerId"]).json()["currency"] == "NOK"

    bare = api.new_channel()
    shown = api.create_customer(bare[0], bare[1], shopper()).json()
    assert {name: shown[name] for name in ("customerGroup", "currency", "language", "receiptPreference")} == {
        "customerGroup": None,
        "currency": None,
        "language": None,
        "receiptPreference": None,
    }
    bad = api.create_customer(bare[0], bare[1], shopper(currency="EURO", language="english"))
    assert set(field_errors(bad)) == {"currency", "language"}
    wrong = api.http.put(
        f"/api/channels/{bare[0]}", json={"customerDefaults": {"receiptPreference": "Fax"}}, headers=ADMIN
    )
    assert set(field_errors(wrong)) == {"customerDefaults.receiptPreference"}

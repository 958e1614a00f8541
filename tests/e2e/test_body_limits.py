"""Every body up to the 64 KiB request limit is stored whole or refused with a 4xx naming the cause,
never a 500 from the storage's own limits (64 KiB a property, 1 MiB an entity).

The walk fills every field to what the contract allows with characters that grow when stored: JSON
escapes (a quote, a backslash), accents (2 bytes in UTF-8) and emoji (4 bytes in UTF-8, two UTF-16
units), and adds attribute values 1,000 characters at a time until past 16 KiB and past 64 KiB.
Attribute definitions are HQ-wide, so this walk has an Azurite of its own.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devhost.azurite import start_azurite
from shared.domain.attributes import MAX_VALUES_BYTES
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import unique_phone
from tests.support.local_host import running_host

BODY_LIMIT = 64 * 1024
ATTRIBUTES = [f"a{number:02d}" + "x" * 37 for number in range(20)]  # 40 characters, the longest name
FILLERS = {"escapes": '"\\', "accents": "é", "emoji": "🙂", "plain": "a"}


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    azurite = start_azurite("free")
    try:
        with running_host(azurite.connection_string) as client:
            for name in ATTRIBUTES:
                defined = client.http.put(
                    f"/api/customer-attributes/{name}",
                    json={"label": "Note", "type": "Text", "maxLength": 1000},
                    headers=ADMIN,
                )
                assert defined.status_code == 201, defined.text
            yield client
    finally:
        azurite.stop()


def text(filler: str, length: int) -> str:
    return (filler * length)[:length]


def largest_body(filler: str, attribute_count: int, address_count: int = 20) -> dict[str, Any]:
    """Every field at its limit, `attribute_count` Text attributes of 1,000 characters."""
    tag = uuid.uuid4().hex[:8]
    domain = "d" * 63 + "." + "e" * 63 + "." + "f" * 50 + ".com"
    return {
        "firstName": text(filler, 60),
        "middleName": text(filler, 60),
        "lastName": text(filler, 60),
        "title": text(filler, 60),
        "email": f"{tag}{'x' * 56}@{domain}",
        "phone": unique_phone(),
        "emailMarketingConsent": True,
        "additionalEmails": [
            {"value": f"{tag}{number:02d}{'y' * 54}@{domain}", "marketingConsent": True}
            for number in range(10)
        ],
        "additionalPhones": [{"value": unique_phone(), "marketingConsent": True} for _ in range(10)],
        "affiliations": [text(filler, 60) for _ in range(20)],
        "customerGroup": text(filler, 60),
        "currency": "EUR",
        "language": "fr-FR",
        "receiptPreference": "Email",
        "addresses": [
            {
                "name": text(filler, 60),
                "street": text(filler, 250),
                "city": text(filler, 60),
                "state": text(filler, 60),
                "zipCode": text(filler, 20),
                "countryRegionId": "FRA",
                "purpose": "Delivery",
            }
            for _ in range(address_count)
        ],
        "attributes": {name: text(filler, 1000) for name in ATTRIBUTES[:attribute_count]},
    }


def values_bytes(body: dict[str, Any]) -> int:
    return sum(len(value.encode()) for value in body["attributes"].values())


@pytest.mark.parametrize("ascii_only", [False, True], ids=["utf-8", "escaped-json"])
@pytest.mark.parametrize("filler", sorted(FILLERS))
def test_every_body_up_to_the_limit_is_stored_whole_or_refused_with_a_4xx(
    api: ApiClient, filler: str, ascii_only: bool
) -> None:
    store, store_key = api.new_channel(asyncCustomerCreation=True)
    web, web_key = api.new_channel()  # sync: the HQ master is written in the request
    seen = {"stored": 0, "413": 0, "422": 0}
    # As many addresses as leave room for attributes: the walk must cross the limit, not start past it.
    addresses = next(
        count
        for count in range(20, -1, -1)
        if len(json.dumps(largest_body(FILLERS[filler], 0, count), ensure_ascii=ascii_only))
        < BODY_LIMIT - 4000
    )
    for count in range(len(ATTRIBUTES) + 1):
        body = largest_body(FILLERS[filler], count, addresses)
        content = json.dumps(body, ensure_ascii=ascii_only).encode()
        channel, key = (store, store_key) if count % 2 else (web, web_key)
        response = api.http.post(
            f"/api/channels/{channel}/customers",
            content=content,
            headers={**key, "Content-Type": "application/json"},
        )
        assert response.status_code < 500, (filler, count, len(content), response.text)
        if len(content) > BODY_LIMIT:
            assert response.status_code == 413, (filler, count, len(content))
            seen["413"] += 1
        elif values_bytes(body) > MAX_VALUES_BYTES:
            assert response.status_code == 422, (filler, count, response.text)
            assert [error["field"] for error in response.json()["errors"]] == ["attributes"]
            seen["422"] += 1
        else:
            assert response.status_code == 201, (filler, count, len(content), response.text)
            created = response.json()
            shown = api.customer(channel, key, created["customerId"]).json()
            assert shown["attributes"] == body["attributes"]
            assert shown["affiliations"] == body["affiliations"] and shown["addressCount"] == addresses
            seen["stored"] += 1
    assert seen["stored"] > 0 and seen["413"] + seen["422"] > 0, seen
    run = api.http.post("/api/sync/runs", headers=ADMIN)  # the async ones become HQ customers too
    assert run.status_code == 200 and run.json()["failed"] == 0, run.text

"""Three hundred addresses on one customer: converters tolerate each other, reads stay bounded."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import StartHost
from tests.support.api import wait_for
from tests.support.builders import person
from tests.support.inspection import pending_rows

ADDRESSES = 300


def test_three_hundred_addresses_sync_with_no_failed_delivery_and_page_in_order(
    start_host: StartHost, storage_connection_string: str, caplog: pytest.LogCaptureFixture
) -> None:
    api = start_host()
    channel, key = api.new_channel()  # sync customer, addresses saved first and synced after
    created = api.create_customer(channel, key, person())
    assert created.status_code == 201 and created.json()["syncStatus"] == "Synced", created.text
    customer_id = created.json()["customerId"]
    route = f"/api/channels/{channel}/customers/{customer_id}/addresses"

    def add(number: int) -> str:
        body = {"street": f"{number} Main Street", "city": "Seattle", "countryRegionId": "USA"}
        response = api.http.post(route, json=body, headers=key)
        assert response.status_code == 201, response.text
        return str(response.json()["addressId"])

    with caplog.at_level(logging.INFO, logger="devhost"), ThreadPoolExecutor(max_workers=16) as pool:
        added = set(pool.map(add, range(ADDRESSES)))
        wait_for(lambda: pending_rows(storage_connection_string, channel) == [], timeout=120)
    failed = [
        r
        for r in caplog.records
        if "Functions.convert_customer" in r.getMessage() and "(Failed" in r.getMessage()
    ]
    assert failed == []

    customer = api.customer(channel, key, customer_id).json()
    assert customer["addressCount"] == ADDRESSES
    assert len(customer["addresses"]) == 20

    listed: list[dict[str, object]] = []
    cursor = None
    while True:
        page = api.http.get(
            route, params={"limit": 100, **({"cursor": cursor} if cursor else {})}, headers=key
        )
        assert page.status_code == 200, page.text
        listed += page.json()["items"]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            break
    assert [a["addressId"] for a in listed] == sorted(added)  # in the order they were added, once each
    assert {a["syncStatus"] for a in listed} == {"Synced"}
    assert [a["addressId"] for a in customer["addresses"]] == [a["addressId"] for a in listed[:20]]

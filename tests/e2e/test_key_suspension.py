"""A stolen till key is stopped: two hosts on one storage account, a key reading customers through
both, each host alone below the limit; together they pass it, and the key is suspended on both."""

from __future__ import annotations

import functools
import time
import uuid
from contextlib import ExitStack

import httpx

from tests.devhost.helpers import QUIET_SCHEDULE, HostProcess, devhost_process, unique_name
from tests.support.api import wait_for
from tests.support.builders import TEST_ADMIN_KEY, unique_shopper
from tests.support.local_host import PROJECT_ROOT

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
LIMIT = 60
CUSTOMERS = 100  # 50 through each host: neither host alone passes the limit
PACE_SECONDS = 0.03  # between two reads, as a script walking account numbers would
# Reads the other host may still serve: those it serves in one 0.25 s write interval of the access
# log (a read every 2 x PACE_SECONDS at most), and one in flight.
OTHER_HOST_OVERSHOOT = 6


def bearer(key: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['key']}"}


def test_a_key_reading_through_two_hosts_is_suspended_by_their_shared_count(own_storage: str) -> None:
    """Two hosts and a hundred sync creates: an Azurite of its own, so the load meets no other test."""
    settings = {
        "AzureWebJobsStorage": own_storage,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "AzureFunctionsWebHost__hostid": unique_name("suspend"),
        "KEY_READS_PER_HOUR": str(LIMIT),
        "CONVERSION_SCHEDULE": QUIET_SCHEDULE,
    }
    with ExitStack() as stack:
        hosts: list[HostProcess] = [
            stack.enter_context(devhost_process(settings, script_root=PROJECT_ROOT)) for _ in range(2)
        ]
        first = stack.enter_context(httpx.Client(base_url=hosts[0].base_url, timeout=60))
        second = stack.enter_context(httpx.Client(base_url=hosts[1].base_url, timeout=60))
        channel = f"store-{uuid.uuid4().hex[:12]}"
        assert first.put(f"/api/channels/{channel}", json={"name": "Two"}, headers=ADMIN).status_code == 201
        till_key, stolen_key = (
            first.post(f"/api/channels/{channel}/keys", headers=ADMIN).json() for _ in "ab"
        )
        till, stolen = bearer(till_key), bearer(stolen_key)
        customers = f"/api/channels/{channel}/customers"
        accounts = []
        for number in range(CUSTOMERS):  # made with another key: making customers counts for nobody
            created = first.post(customers, json=unique_shopper("Lea", f"Kunde{number}"), headers=till)
            assert created.status_code == 201, created.text
            accounts.append(created.json()["accountNumber"])

        answered: list[int] = []
        for number, account in enumerate(accounts):
            client = (first, second)[number % 2]
            answered.append(client.get(f"{customers}/{account}", headers=stolen).status_code)
            time.sleep(PACE_SECONDS)
        read = answered.count(200)
        assert LIMIT <= read < CUSTOMERS, answered
        assert set(answered) == {200, 403}, answered
        # The host that suspends it stops at once; the other at its next count of the key's reads,
        # a write interval of the access log later: a few reads, never the rest of the customers.
        first_refusal = answered.index(403)
        after = answered[first_refusal:]
        assert after.count(200) <= OTHER_HOST_OVERSHOOT, answered
        assert answered[-10:] == [403] * 10, answered
        one = f"{customers}/{accounts[0]}"
        for client in (first, second):
            refused = client.get(one, headers=stolen)
            assert refused.status_code == 403 and refused.json()["type"].endswith("/key-suspended")
        # The till's own key is not touched; the console lists the suspended one.
        assert first.get(one, headers=till).status_code == 200
        listed = first.get("/api/suspended-keys", headers=ADMIN).json()["items"]
        assert [item["channelId"] for item in listed if item["keyId"] == stolen_key["keyId"]] == [channel]

        reinstate = f"/api/channels/{channel}/keys/{stolen_key['keyId']}/reinstate"
        assert first.post(reinstate, headers=ADMIN).status_code == 204

        def works_on(client: httpx.Client) -> bool:
            return client.get(one, headers=stolen).status_code == 200

        for client in (first, second):  # the other host's cached copy lasts CHANNEL_CACHE_SECONDS at most
            wait_for(functools.partial(works_on, client), timeout=15)
        still = first.get("/api/suspended-keys", headers=ADMIN).json()["items"]
        assert all(item["keyId"] != stolen_key["keyId"] for item in still)

"""Many tills at once: concurrent creates are all kept and each becomes exactly one HQ customer."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, wait_for
from tests.support.builders import person
from tests.support.inspection import hq_key_of

CREATES = 200
CHANNELS = 4
CLIENT_THREADS = 32


class RecordingClient:
    """One keep-alive client for all threads that remembers every status code it received."""

    def __init__(self, base_url: str) -> None:
        limits = httpx.Limits(max_connections=CLIENT_THREADS, max_keepalive_connections=CLIENT_THREADS)
        self.http = httpx.Client(base_url=base_url, timeout=60.0, limits=limits)
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, url, **kwargs)
        with self._lock:
            self.statuses[response.status_code] += 1
        return response

    def server_errors(self) -> dict[int, int]:
        return {status: count for status, count in self.statuses.items() if status >= 500}


def test_two_hundred_concurrent_creates_are_kept_and_converted_to_distinct_account_numbers(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host()
    channels = [api.new_channel(asyncCustomerCreation=True) for _ in range(CHANNELS)]
    client = RecordingClient(api.base_url)

    def create(index: int) -> tuple[str, dict[str, str], httpx.Response]:
        channel_id, key = channels[index % CHANNELS]
        body = person(lastName=f"Lovelace{index}", email=f"ada.{index}@example.com")
        return (
            channel_id,
            key,
            client.request("POST", f"/api/channels/{channel_id}/customers", json=body, headers=key),
        )

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        created = list(pool.map(create, range(CREATES)))
        assert [response.status_code for _, _, response in created] == [201] * CREATES, client.statuses
        customers = {
            response.json()["customerId"]: (channel_id, key) for channel_id, key, response in created
        }
        assert len(customers) == CREATES

        # The queue is converting them already; the batch racing it must still make one HQ customer each.
        run = client.request("POST", "/api/sync/runs", headers=ADMIN)
        assert run.status_code == 200, run.text

        synced: dict[str, dict[str, Any]] = {}

        def read(customer_id: str) -> dict[str, Any]:
            channel_id, key = customers[customer_id]
            response = client.request(
                "GET", f"/api/channels/{channel_id}/customers/{customer_id}", headers=key
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        def all_synced() -> bool:
            waiting = [customer_id for customer_id in customers if customer_id not in synced]
            for body in pool.map(read, waiting):
                if body["syncStatus"] == "Synced":
                    synced[body["customerId"]] = body
            return len(synced) == CREATES

        wait_for(all_synced, timeout=30, interval=0.5)
    client.http.close()

    account_numbers = [body["accountNumber"] for body in synced.values()]
    assert all(account_numbers) and len(set(account_numbers)) == CREATES
    assert all(body["displayAccountNumber"] == body["accountNumber"] for body in synced.values())
    assert {customer_id: hq_key_of(storage_connection_string, customer_id) for customer_id in synced} == {
        customer_id: body["accountNumber"] for customer_id, body in synced.items()
    }
    assert client.server_errors() == {}

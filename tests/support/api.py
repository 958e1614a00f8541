"""A small HTTP client for the API as POS terminals and ops call it, plus polling helpers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from tests.support.builders import TEST_ADMIN_KEY, unique_channel_id

T = TypeVar("T")

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


class ApiClient:
    def __init__(self, base_url: str, *, connections: int = 32) -> None:
        """One client, safe to share between threads, keeping up to `connections` alive."""
        self.base_url = base_url
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.Client(base_url=base_url, timeout=60.0, limits=limits)

    def close(self) -> None:
        self.http.close()

    def new_channel(self, **profile: Any) -> tuple[str, dict[str, str]]:
        """Creates a channel with the given profile and returns its id and its key's headers."""
        channel_id = unique_channel_id()
        response = self.http.put(
            f"/api/channels/{channel_id}", json={"name": "Test store", **profile}, headers=ADMIN
        )
        assert response.status_code == 201, response.text
        key = self.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN)
        assert key.status_code == 201, key.text
        return channel_id, {"Authorization": f"Bearer {key.json()['key']}"}

    def create_customer(
        self, channel_id: str, headers: dict[str, str], body: dict[str, Any]
    ) -> httpx.Response:
        return self.http.post(f"/api/channels/{channel_id}/customers", json=body, headers=headers)

    def customer(self, channel_id: str, headers: dict[str, str], ref: str) -> httpx.Response:
        return self.http.get(f"/api/channels/{channel_id}/customers/{ref}", headers=headers)

    def duplicates(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every duplicate candidate, following `nextCursor` page by page."""
        items: list[dict[str, Any]] = []
        params: dict[str, str] = {"limit": "100", **({"status": status} if status else {})}
        while True:
            response = self.http.get("/api/duplicates", params=params, headers=ADMIN)
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            if page["nextCursor"] is None:
                return items
            params["cursor"] = page["nextCursor"]


def wait_for(probe: Callable[[], T | None], *, timeout: float = 20.0, interval: float = 0.1) -> T:
    """Polls until `probe` returns something truthy; fails the test with the time it waited."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)

"""The function app in the local host on the benchmark's Azurite, and a client that keeps connections."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from devhost import LocalHost
from shared.services.dependencies import Dependencies, build_dependencies, use_dependencies
from shared.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_ADMIN_KEY = "bench-admin-key"
ADMIN_HEADERS = {"Authorization": f"Bearer {BENCH_ADMIN_KEY}"}
NEVER = "0 0 0 1 1 *"  # the timer must not convert customers behind a benchmark's back
QUEUE_FUNCTION = "convert_customer"


def bench_dependencies(connection_string: str) -> Dependencies:
    return build_dependencies(Settings(AzureWebJobsStorage=connection_string, ADMIN_API_KEY=BENCH_ADMIN_KEY))


class BenchApi:
    """The API as a POS terminal calls it; one httpx client, safe to share between threads."""

    def __init__(self, base_url: str, *, connections: int = 32) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.Client(base_url=base_url, timeout=60.0, limits=limits)

    def close(self) -> None:
        self.http.close()

    def new_channel(self, **profile: Any) -> tuple[str, dict[str, str]]:
        """A fresh channel and the headers carrying one of its keys."""
        channel_id = f"bench-{uuid.uuid4().hex[:12]}"
        created = self.http.put(
            f"/api/channels/{channel_id}", json={"name": "Bench store", **profile}, headers=ADMIN_HEADERS
        )
        created.raise_for_status()
        key = self.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN_HEADERS)
        key.raise_for_status()
        return channel_id, {"Authorization": f"Bearer {key.json()['key']}"}

    def create_customer(
        self, channel_id: str, headers: dict[str, str], body: dict[str, Any]
    ) -> httpx.Response:
        return self.http.post(f"/api/channels/{channel_id}/customers", json=body, headers=headers)

    def customer(self, channel_id: str, headers: dict[str, str], ref: str) -> httpx.Response:
        return self.http.get(f"/api/channels/{channel_id}/customers/{ref}", headers=headers)


@contextmanager
def running_host(
    connection_string: str, *, convert_from_queue: bool, connections: int = 32
) -> Iterator[BenchApi]:
    """Starts the host; with `convert_from_queue` off only the HTTP path runs, as create benchmarks want."""
    use_dependencies(bench_dependencies(connection_string))
    settings = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_API_KEY": BENCH_ADMIN_KEY,
        "CONVERSION_SCHEDULE": NEVER,
        "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
        f"AzureWebJobs.{QUEUE_FUNCTION}.Disabled": "false" if convert_from_queue else "true",
    }
    host = LocalHost(script_root=REPO_ROOT, port=0, settings=settings)
    host.start()
    api = BenchApi(host.base_url, connections=connections)
    try:
        yield api
    finally:
        api.close()
        host.stop()
        use_dependencies(None)

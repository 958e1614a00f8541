"""End-to-end tests run the real function app inside the local host, on Azurite, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shared.domain.sync import SYNC_QUEUE
from shared.services import fault_points
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import person
from tests.support.faults import StorageFaults, SwitchableFaults
from tests.support.local_host import running_host

StartHost = Callable[..., ApiClient]


@pytest.fixture
def start_host(storage_connection_string: str) -> Iterator[StartHost]:
    """Starts a host for the test; starting another one stops the previous one first."""
    running: list[Any] = []

    def start(**options: Any) -> ApiClient:
        while running:
            running.pop().__exit__(None, None, None)
        host = running_host(storage_connection_string, **options)
        client = host.__enter__()
        running.append(host)
        return client

    yield start
    while running:
        running.pop().__exit__(None, None, None)


@dataclass(frozen=True)
class FailedConversion:
    channel_id: str
    key: dict[str, str]
    customer_id: str


def failed_conversion(start_host: StartHost, **body: Any) -> FailedConversion:
    """A customer whose conversion failed in a batch run and whose queue message was lost, so only a
    retry brings the queue into play; the host is left stopped, HQ working again."""
    hq_fails = SwitchableFaults(fault_points.AFTER_ACCOUNT_NUMBER_BOUND)
    lost_messages = StorageFaults(fail_when=lambda request: f"/{SYNC_QUEUE}/messages" in request.url)
    api = start_host(faults=hq_fails, queue_trigger=False, channel_transport=lost_messages)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    customer_id = api.create_customer(channel_id, key, person(**body)).json()["customerId"]
    summary = api.http.post("/api/sync/runs", headers=ADMIN).json()
    assert summary["failed"] >= 1, summary
    hq_fails.active.clear()
    return FailedConversion(channel_id, key, customer_id)

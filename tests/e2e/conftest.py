"""End-to-end tests run the real function app inside the local host, on Azurite, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.api import ApiClient
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

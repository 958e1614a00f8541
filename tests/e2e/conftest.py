"""End-to-end tests run the real function app inside the local host, on Azurite, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from devhost import LocalHost
from shared.services.dependencies import use_dependencies
from tests.support.api import ApiClient
from tests.support.builders import TEST_ADMIN_KEY, make_dependencies

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NEVER = "0 0 0 1 1 *"  # the timer stays quiet unless a test asks for it

StartHost = Callable[..., ApiClient]


@contextmanager
def running_host(
    storage_connection_string: str,
    *,
    schedule: str = NEVER,
    queue_trigger: bool = True,
    faults: Any = None,
    channel_transport: Any = None,
    hq_transport: Any = None,
    **settings: Any,
) -> Iterator[ApiClient]:
    """The local host on the project's function app; faults go in through the app's seams."""
    use_dependencies(
        make_dependencies(
            storage_connection_string,
            faults=faults,
            channel_transport=channel_transport,
            hq_transport=hq_transport,
            **settings,
        )
    )
    host = LocalHost(
        script_root=PROJECT_ROOT,
        port=0,
        settings={
            "AzureWebJobsStorage": storage_connection_string,
            "ADMIN_API_KEY": TEST_ADMIN_KEY,
            "CONVERSION_SCHEDULE": schedule,
            "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
            "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
            # As in Azure, an app setting disables a function: nothing converts until the batch runs.
            "AzureWebJobs.convert_customer.Disabled": "false" if queue_trigger else "true",
        },
    )
    host.start()
    client = ApiClient(host.base_url)
    try:
        yield client
    finally:
        client.close()
        host.stop()
        use_dependencies(None)


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

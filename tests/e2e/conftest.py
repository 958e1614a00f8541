"""End-to-end tests run the real function app inside the local host, on Azurite, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


@pytest.fixture
def start_host(storage_connection_string: str) -> Iterator[StartHost]:
    """Starts the local host on the project's function app; a test may inject faults via the seams."""
    running: list[tuple[LocalHost, ApiClient]] = []

    def start(
        *,
        schedule: str = NEVER,
        faults: Any = None,
        channel_transport: Any = None,
        hq_transport: Any = None,
        queue_trigger: bool = True,
        **settings: Any,
    ) -> ApiClient:
        for host, client in running:
            client.close()
            host.stop()
        running.clear()
        dependencies = make_dependencies(
            storage_connection_string,
            faults=faults,
            channel_transport=channel_transport,
            hq_transport=hq_transport,
            **settings,
        )
        use_dependencies(dependencies)
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
        running.append((host, client))
        return client

    yield start
    for host, client in running:
        client.close()
        host.stop()
    use_dependencies(None)

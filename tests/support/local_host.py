"""The function app running in the local host on a test Azurite; used by end-to-end tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import function_app
from devhost import LocalHost
from tests.support.api import ApiClient
from tests.support.builders import TEST_ADMIN_KEY, make_dependencies

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NEVER = "0 0 0 1 1 *"  # the timer stays quiet unless a test asks for it


@contextmanager
def running_host(
    storage_connection_string: str,
    *,
    schedule: str = NEVER,
    queue_trigger: bool = True,
    faults: Any = None,
    channel_transport: Any = None,
    hq_transport: Any = None,
    connections: int = 32,
    host_settings: dict[str, str] | None = None,
    **settings: Any,
) -> Iterator[ApiClient]:
    """The local host on the project's function app; faults go in through the app's seams."""
    # The host hosts this very module (the project root is on sys.path), so the app runs on these.
    function_app.dependencies.replace(
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
            "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT": "1048576",
            "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
            "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
            # As in Azure, an app setting disables a function: nothing converts until the batch runs.
            "AzureWebJobs.convert_customer.Disabled": "false" if queue_trigger else "true",
            **(host_settings or {}),
        },
    )
    host.start()
    client = ApiClient(host.base_url, connections=connections)
    try:
        yield client
    finally:
        client.close()
        host.stop()
        function_app.dependencies.replace(None)

"""Where the queue function runs while the request path is measured.

On the Flex Consumption plan the app is deployed to, functions scale per function: HTTP functions
share instances of their own and the queue function gets instances of its own, so a conversion
never takes CPU from a create. `make run` and any single-instance plan put both in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum

from bench.seeding import clear_sync_queue
from tests.devhost.helpers import devhost_process, unique_name
from tests.support.builders import TEST_ADMIN_KEY
from tests.support.local_host import PROJECT_ROOT


class QueuePlacement(Enum):
    OFF = "off"
    OWN_INSTANCE = "on, its own instance"
    SAME_HOST = "on, same host"

    @property
    def in_request_host(self) -> bool:
        return self is QueuePlacement.SAME_HOST

    @property
    def described(self) -> str:
        return {
            QueuePlacement.OFF: "",
            QueuePlacement.OWN_INSTANCE: (
                ", each conversion run by the queue function in a host process of its own, as "
                "Flex Consumption's per-function scaling places it"
            ),
            QueuePlacement.SAME_HOST: (
                ", each conversion run by the queue function in the same host process, as under "
                "`make run` or on a one-instance plan"
            ),
        }[self]


@contextmanager
def queue_instance(connection_string: str, placement: QueuePlacement) -> Iterator[None]:
    """The queue function's own host process while `placement` asks for one; nothing otherwise."""
    clear_sync_queue(connection_string)
    if placement is not QueuePlacement.OWN_INSTANCE:
        yield
        return
    settings = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "AzureFunctionsWebHost__hostid": unique_name("bench-queue"),
        "AzureWebJobs.conversion_batch.Disabled": "true",
        "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
    }
    with devhost_process(settings, script_root=PROJECT_ROOT):
        yield

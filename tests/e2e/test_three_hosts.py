"""Three hosts of the app on one storage account, as a scaled-out function app runs in Azure."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx

from tests.devhost.helpers import HostProcess, devhost_process, unique_name
from tests.support.api import wait_for
from tests.support.builders import TEST_ADMIN_KEY, person
from tests.support.inspection import hq_key_of, pending_rows
from tests.support.local_host import PROJECT_ROOT

HOSTS = 3
CREATES = 600
CLIENTS = 32
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


def test_three_hosts_convert_every_customer_exactly_once(storage_connection_string: str) -> None:
    settings = {
        "AzureWebJobsStorage": storage_connection_string,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "AzureFunctionsWebHost__hostid": unique_name("scaled"),  # one app: the hosts share the lock
        "CONVERSION_SCHEDULE": "*/2 * * * * *",
        "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
        "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
    }
    with ExitStack() as stack:
        hosts: list[HostProcess] = [
            stack.enter_context(devhost_process(settings, script_root=PROJECT_ROOT)) for _ in range(HOSTS)
        ]
        channel = f"store-{uuid.uuid4().hex[:12]}"
        first = hosts[0].base_url
        created = httpx.put(
            f"{first}/api/channels/{channel}",
            json={"name": "Scaled", "asyncCustomerCreation": True},
            headers=ADMIN,
        )
        assert created.status_code == 201, created.text
        issued = httpx.post(f"{first}/api/channels/{channel}/keys", headers=ADMIN).json()
        key = {"Authorization": f"Bearer {issued['key']}"}

        statuses: list[int] = []
        lock = threading.Lock()
        clients = [httpx.Client(base_url=host.base_url, timeout=60) for host in hosts]

        def create(number: int) -> str:
            response = clients[number % HOSTS].post(
                f"/api/channels/{channel}/customers", json=person(email=f"c{number}@example.com"), headers=key
            )
            with lock:
                statuses.append(response.status_code)
            return str(response.json().get("customerId"))

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            customer_ids = list(pool.map(create, range(CREATES)))
        for client in clients:
            client.close()
        assert statuses == [201] * CREATES

        wait_for(lambda: pending_rows(storage_connection_string, channel) == [], timeout=180)
        accounts = {
            customer_id: hq_key_of(storage_connection_string, customer_id) for customer_id in customer_ids
        }
        assert None not in accounts.values()
        assert len(set(accounts.values())) == CREATES  # one account number each, none shared

        batch_hosts = [
            host for host in hosts if any("Functions.conversion_batch" in line for line in host.output)
        ]
        assert len(batch_hosts) == 1, "the batch must run, and on one host only"

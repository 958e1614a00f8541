"""Throughput of three hosts on one storage account against one host: 600 creates from 32 clients
spread over the hosts, each host a process of its own with its queue function and timer on."""

from __future__ import annotations

import uuid
from contextlib import ExitStack

import httpx

from bench.measure import percentile, run_concurrently, sync_lags_ms
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.seeding import clear_sync_queue
from tests.devhost.helpers import devhost_process, unique_name
from tests.support.api import wait_for
from tests.support.builders import TEST_ADMIN_KEY
from tests.support.local_host import PROJECT_ROOT

CREATES = 600
CLIENTS = 32
TARGET = Target(">=", 1.5)
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


def _run(connection_string: str, hosts: int) -> tuple[float, float]:
    """Creates per second over `hosts` hosts, and the p95 create-to-Synced lag in ms."""
    clear_sync_queue(connection_string)
    settings = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "AzureFunctionsWebHost__hostid": unique_name("bench"),
        "CONVERSION_SCHEDULE": "*/5 * * * * *",
        "AzureFunctionsJobHost__extensions__queues__maxPollingInterval": "00:00:00.500",
    }
    with ExitStack() as stack:
        processes = [
            stack.enter_context(devhost_process(settings, script_root=PROJECT_ROOT)) for _ in range(hosts)
        ]
        clients = [stack.enter_context(httpx.Client(base_url=p.base_url, timeout=120)) for p in processes]
        channel = f"bench-{uuid.uuid4().hex[:10]}"
        clients[0].put(
            f"/api/channels/{channel}", json={"name": "Bench", "asyncCustomerCreation": True}, headers=ADMIN
        )
        issued = clients[0].post(f"/api/channels/{channel}/keys", headers=ADMIN).json()
        key = {"Authorization": f"Bearer {issued['key']}"}
        created: list[str] = []

        def create(number: int) -> None:
            response = clients[number % hosts].post(
                f"/api/channels/{channel}/customers", json=till_customer(), headers=key
            )
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")
            created.append(response.json()["customerId"])

        run = run_concurrently(create, scaled(CREATES), threads=CLIENTS)

        def lags() -> list[float] | None:
            customers = [
                clients[0].get(f"/api/channels/{channel}/customers/{c}", headers=key).json() for c in created
            ]
            return sync_lags_ms(customers)

        measured = wait_for(lags, timeout=300, interval=2.0)
    return run.per_second, percentile(measured, 0.95)


def measure_scale_out(connection_string: str) -> BenchmarkResult:
    one, one_p95 = _run(connection_string, 1)
    three, three_p95 = _run(connection_string, 3)
    return BenchmarkResult(
        name="three hosts against one",
        measured=(
            f"{scaled(CREATES)} creates from {CLIENTS} clients spread over 3 host processes on one Azurite, "
            "queue function and timer on; creates per second of wall time"
        ),
        floor=Floor(f"the same over 1 host (create-to-Synced p95 {one_p95:.0f} ms)", one, "creates/s"),
        ratio=three / one,
        ratio_meaning="3-host ÷ 1-host throughput; clients, hosts and Azurite share the CPUs",
        p95_ms=three_p95,
        throughput=three,
        throughput_unit="creates/s over 3 hosts",
        target=TARGET,
        value=three,
        details={
            "one_host_per_second": one,
            "one_host_sync_p95_ms": one_p95,
            "three_host_sync_p95_ms": three_p95,
        },
    )

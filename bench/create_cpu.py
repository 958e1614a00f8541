"""Host CPU per create: the local host in a process of its own, its CPU time read from /proc before
and after a run of creates, so the clients' own CPU is not counted."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import httpx

from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from tests.devhost.helpers import devhost_process
from tests.support.builders import TEST_ADMIN_KEY
from tests.support.local_host import PROJECT_ROOT

CREATES = 300
WARMUP = 30
TARGET = Target("<=", 8.0, of_value=True)
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_ms_per_request(pid: int, send: Callable[[], None], count: int) -> float:
    before = process_cpu_seconds(pid)
    for _ in range(count):
        send()
    return (process_cpu_seconds(pid) - before) * 1000.0 / count


def measure_create_cpu(connection_string: str) -> BenchmarkResult:
    settings = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "AzureWebJobs.convert_customer.Disabled": "true",
        "AzureWebJobs.conversion_batch.Disabled": "true",
    }
    with (
        devhost_process(settings, script_root=PROJECT_ROOT) as host,
        httpx.Client(base_url=host.base_url) as client,
    ):
        channel = f"bench-{uuid.uuid4().hex[:10]}"
        client.put(
            f"/api/channels/{channel}", json={"name": "Bench", "asyncCustomerCreation": True}, headers=ADMIN
        )
        issued = client.post(f"/api/channels/{channel}/keys", headers=ADMIN).json()
        key = {"Authorization": f"Bearer {issued['key']}"}

        def create() -> None:
            response = client.post(f"/api/channels/{channel}/customers", json=till_customer(), headers=key)
            if response.status_code != 201:
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        def document() -> None:
            client.get("/api/openapi.json").raise_for_status()

        for _ in range(scaled(WARMUP)):
            create()
            document()
        create_ms = _cpu_ms_per_request(host.process.pid, create, scaled(CREATES))
        document_ms = _cpu_ms_per_request(host.process.pid, document, scaled(CREATES))
    return BenchmarkResult(
        name="create host CPU",
        measured=f"CPU time of the host process over {scaled(CREATES)} sequential creates, per create",
        floor=Floor(
            "host CPU per `GET /api/openapi.json` (HTTP and the host, no storage)", document_ms, "ms"
        ),
        ratio=create_ms / document_ms,
        ratio_meaning="create CPU ÷ a storage-free request's CPU; the target is on the create's milliseconds",
        target=TARGET,
        value=create_ms,
        details={"create_cpu_ms": round(create_ms, 2)},
    )

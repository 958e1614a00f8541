"""An async create must not wait for HQ: its p50 with HQ behind a 200 ms-per-round-trip proxy,
against the same with HQ direct."""

from __future__ import annotations

import re
from typing import Any

from bench.measure import Latencies, time_each
from bench.result import BenchmarkResult, Floor, Target
from bench.sample_customers import till_customer
from bench.scale import scaled
from bench.slow_proxy import slow_proxy
from tests.support.local_host import running_host

REQUESTS = 100
WARMUP = 10
DELAY_SECONDS = 0.2
TARGET = Target("<=", 1.1)


def _creates(connection_string: str, hq_connection: str | None = None) -> Latencies:
    hq: dict[str, Any] = {"HQ_STORAGE_CONNECTION": hq_connection} if hq_connection else {}
    with running_host(connection_string, queue_trigger=False, **hq) as api:
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)

        def create() -> None:
            response = api.create_customer(channel_id, headers, till_customer())
            if response.status_code != 201 or response.json()["creationMode"] != "Async":
                raise RuntimeError(f"create answered {response.status_code}: {response.text}")

        return time_each(create, scaled(REQUESTS), warmup=scaled(WARMUP))


def measure_hq_far_away(connection_string: str) -> BenchmarkResult:
    direct = _creates(connection_string)
    table_port = int(re.search(r"TableEndpoint=http://127\.0\.0\.1:(\d+)/", connection_string).group(1))  # type: ignore[union-attr]
    with slow_proxy(table_port, delay_seconds=DELAY_SECONDS) as proxy_port:
        far = connection_string.replace(f"127.0.0.1:{table_port}/", f"127.0.0.1:{proxy_port}/")
        behind_proxy = _creates(connection_string, far)
    return BenchmarkResult(
        name="async create with HQ 200 ms away",
        measured=(
            f"{scaled(REQUESTS)} sequential async creates with `HQ_STORAGE_CONNECTION` behind a proxy adding "
            f"{DELAY_SECONDS * 1000:.0f} ms to every HQ round trip"
        ),
        floor=Floor("p50 of the same creates with HQ direct", direct.p50, "ms"),
        ratio=behind_proxy.p50 / direct.p50,
        ratio_meaning="create p50 with HQ far ÷ with HQ near",
        p50_ms=behind_proxy.p50,
        p95_ms=behind_proxy.p95,
        target=TARGET,
        value=behind_proxy.p50,
    )

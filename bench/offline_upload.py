"""The heaviest offline upload a till can send: 100 customers in 64 KB, each with 11 e-mails and 11
phones. Measured: how long the request takes and how many rows it stores, against the time this
Azurite needs to write as many rows raw from the same number of threads."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from azure.data.tables import TableServiceClient

from bench.result import BenchmarkResult, Floor
from bench.storage_floor import concurrent_table_writes
from shared.storage.channel_rows import CUSTOMERS_TABLE
from shared.storage.customer_ids import CUSTOMER_IDS_TABLE
from shared.storage.search_index import SEARCH_INDEX_TABLE
from tests.support.local_host import running_host

CUSTOMERS = 100
EXTRA_CONTACTS = 10  # the contract's maximum of additional e-mails and phones
MAX_BODY = 64 * 1024
FLOOR_THREADS = 16


def heavy_upload(mark: str) -> dict[str, Any]:
    """As close to 64 KB as 100 customers with every contact slot used can be."""
    customers = []
    for number in range(CUSTOMERS):
        tag = f"{mark}{number:03d}"
        customers.append(
            {
                "customerId": str(uuid.uuid4()),
                "firstName": "Ada",
                "lastName": f"L{tag}",
                "email": f"a{tag}@x.io",
                "phone": f"+1212555{number:04d}",
                "additionalEmails": [f"{i}{tag}@x.io" for i in range(EXTRA_CONTACTS)],
                "additionalPhones": [f"+1312555{number:02d}{i:02d}" for i in range(EXTRA_CONTACTS)],
            }
        )
    body = {"customers": customers}
    size = len(json.dumps(body).encode())
    if size > MAX_BODY:
        raise RuntimeError(f"the heavy upload is {size} bytes, over the 64 KiB limit")
    return body


def _rows(connection_string: str) -> int:
    service = TableServiceClient.from_connection_string(connection_string)
    total = 0
    for name in (CUSTOMERS_TABLE, CUSTOMER_IDS_TABLE, SEARCH_INDEX_TABLE):
        table = service.create_table_if_not_exists(name)
        total += sum(1 for _ in table.list_entities(select=["RowKey"]))
    return total


def measure_offline_upload(connection_string: str) -> BenchmarkResult:
    with running_host(connection_string, queue_trigger=False) as api:
        channel_id, headers = api.new_channel(asyncCustomerCreation=True)
        body = heavy_upload(uuid.uuid4().hex[:6])
        before = _rows(connection_string)
        started = time.perf_counter()
        response = api.http.post(f"/api/channels/{channel_id}/offline-customers", json=body, headers=headers)
        seconds = time.perf_counter() - started
        if response.status_code != 200 or {r["status"] for r in response.json()["results"]} != {201}:
            raise RuntimeError(f"the upload answered {response.status_code}: {response.text[:300]}")
        rows = _rows(connection_string) - before
    floor = concurrent_table_writes(connection_string, count=rows, threads=FLOOR_THREADS)
    floor_seconds = rows / floor.per_second
    return BenchmarkResult(
        name="heaviest offline upload",
        measured=(
            f"one `POST .../offline-customers` of {CUSTOMERS} customers, each with 11 e-mails and 11 phones "
            f"({len(json.dumps(body)) // 1024} KB); wall time and rows stored"
        ),
        floor=Floor(
            f"the same number of `upsert_entity` ({rows}) from {FLOOR_THREADS} threads",
            floor_seconds * 1000,
            "ms",
        ),
        ratio=seconds / floor_seconds,
        ratio_meaning="upload time ÷ time to write as many rows raw",
        p50_ms=seconds * 1000,
        throughput=CUSTOMERS / seconds,
        throughput_unit="customers/s",
        details={
            "rows_stored": rows,
            "rows_per_customer": rows / CUSTOMERS,
            "upload_seconds": round(seconds, 2),
        },
    )

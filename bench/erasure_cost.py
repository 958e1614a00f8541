"""An erasure's duration and round trips for a person held in two channels (a duplicate merged into
the first), with five addresses and twenty consent changes: against the same number of round trips
made one after the other, each as long as a plain entity read's median."""

from __future__ import annotations

import statistics
import time
import uuid

from azure.data.tables import TableServiceClient

from bench.result import BenchmarkResult, Floor
from shared.domain.duplicates import DuplicateStatus
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.merging import merge_duplicate
from shared.services.privacy_requests import submit_request, work_request
from tests.support.builders import add_channel, make_dependencies, unique_phone
from tests.support.faults import StorageFaults

ADDRESSES = 5
CONSENT_CHANGES = 20
ROUNDS = 3


def _person(dependencies: Dependencies) -> str:
    """Two channels, five addresses, twenty consent changes; answers the account number."""
    tag = uuid.uuid4().hex[:8]
    email = f"bench.{tag}@example.com"
    store = add_channel(dependencies, async_customer_creation=True, async_customer_edits=True)
    other = add_channel(dependencies, async_customer_creation=True)
    addresses = [
        {"street": f"{number} Rue de Rivoli", "city": "Paris", "countryRegionId": "FRA"}
        for number in range(ADDRESSES)
    ]
    body = {
        "firstName": "Bench",
        "lastName": tag,
        "email": email,
        "phone": unique_phone(),
        "addresses": addresses,
    }
    customer_id = create_customer(dependencies, channel_id=store.channel_id, body=body).customer.customer_id
    convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=customer_id)
    for change in range(CONSENT_CHANGES - 2):  # the create recorded two, one per contact
        field = "emailMarketingConsent" if change % 2 == 0 else "phoneMarketingConsent"
        edit_customer(
            dependencies, channel_id=store.channel_id, ref=customer_id, body={field: change % 4 < 2}
        )
    convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=customer_id)
    twin = create_customer(
        dependencies,
        channel_id=other.channel_id,
        body={"firstName": "Bench", "lastName": tag, "email": email},
    ).customer
    convert_async_customer(dependencies, channel_id=other.channel_id, customer_id=twin.customer_id)
    [candidate] = [
        found
        for found in dependencies.duplicates.listed(DuplicateStatus.OPEN)
        if found.customer_id == twin.customer_id
    ]
    merge_duplicate(dependencies, duplicate_id=candidate.duplicate_id)
    record = dependencies.customers.get(store.channel_id, customer_id)
    assert record is not None and record.account_number is not None
    return record.account_number


def _read_p50_ms(connection_string: str) -> float:
    table = TableServiceClient.from_connection_string(connection_string).create_table_if_not_exists(
        "BenchFloor"
    )
    table.upsert_entity({"PartitionKey": "p", "RowKey": "r"})
    samples = []
    for _ in range(60):
        started = time.perf_counter()
        table.get_entity("p", "r")
        samples.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(samples[10:])


def measure_erasure_cost(connection_string: str) -> BenchmarkResult:
    durations, trips = [], []
    for _ in range(ROUNDS):
        channel_calls, hq_calls = StorageFaults(), StorageFaults()
        dependencies = make_dependencies(
            connection_string, channel_transport=channel_calls, hq_transport=hq_calls
        )
        dependencies.event_publisher.publish = None  # publishing the erased event is not the erasure's
        account = _person(dependencies)
        request = submit_request(dependencies, {"kind": "erasure", "customer": account})
        channel_calls.sent.clear()
        hq_calls.sent.clear()
        started = time.perf_counter()
        done = work_request(dependencies, request.request_id)
        durations.append((time.perf_counter() - started) * 1000.0)
        trips.append(len(channel_calls.sent) + len(hq_calls.sent))
        assert done is not None and done.summary
    read_ms = _read_p50_ms(connection_string)
    duration, round_trips = statistics.median(durations), statistics.median(trips)
    return BenchmarkResult(
        name="erasure of a person",
        measured=(
            f"`work_request` of an erasure, median of {ROUNDS}: a person in 2 channels (a duplicate merged "
            f"in), {ADDRESSES} addresses, {CONSENT_CHANGES} consent changes, events and an access log; "
            f"{round_trips:.0f} storage round trips, on a storage that holds every other benchmark's rows"
        ),
        floor=Floor(
            f"{round_trips:.0f} round trips one after the other at a plain read's p50",
            round_trips * read_ms,
            "ms",
        ),
        ratio=duration / (round_trips * read_ms),
        ratio_meaning="erasure time ÷ its round trips at a plain read's p50",
        p50_ms=duration,
        details={"round_trips": round_trips, "read_p50_ms": read_ms},
    )

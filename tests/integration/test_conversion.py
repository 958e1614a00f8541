"""Conversion of async customers on real storage: idempotent under redelivery, races and crashes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.domain.sync import ConversionOutcome
from shared.domain.values import SyncStatus
from shared.services import fault_points
from shared.services.conversion import CONVERSION_STEPS, convert_async_customer
from shared.services.conversion_batch import run_conversion_batch
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from tests.support.builders import add_channel, make_dependencies, person
from tests.support.faults import CrashAt, SimulatedCrash
from tests.support.inspection import hq_masters_of, pending_rows


def create_async_customer(dependencies: Dependencies, **body: object) -> tuple[str, str]:
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=person(**body))
    assert created.customer.sync_status is SyncStatus.PENDING
    return channel.channel_id, created.customer.customer_id


def assert_converted_once(
    connection_string: str, dependencies: Dependencies, channel_id: str, customer_id: str
) -> str:
    record = dependencies.customers.get(channel_id, customer_id)
    assert record is not None and record.sync_status is SyncStatus.SYNCED
    masters = hq_masters_of(connection_string, customer_id)
    assert len(masters) == 1
    assert masters[0]["PartitionKey"] == record.account_number
    assert pending_rows(connection_string, channel_id) == []
    return str(record.account_number)


def test_redelivered_message_creates_one_hq_customer(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel_id, customer_id = create_async_customer(dependencies)
    first = convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    second = convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    assert (first, second) == (ConversionOutcome.CONVERTED, ConversionOutcome.ALREADY_SYNCED)
    assert_converted_once(storage_connection_string, dependencies, channel_id, customer_id)


def test_eight_concurrent_deliveries_create_one_hq_customer(
    storage_connection_string: str,
) -> None:
    # Separate dependencies per worker stand for separate function instances.
    instances = [make_dependencies(storage_connection_string, ACCOUNT_NUMBER_BLOCK_SIZE=1) for _ in range(8)]
    channel_id, customer_id = create_async_customer(instances[0])
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(
                lambda deps: convert_async_customer(deps, channel_id=channel_id, customer_id=customer_id),
                instances,
            )
        )
    assert outcomes.count(ConversionOutcome.CONVERTED) >= 1
    assert_converted_once(storage_connection_string, instances[0], channel_id, customer_id)


def test_batch_and_queue_racing_make_one_hq_customer(storage_connection_string: str) -> None:
    queue_side = make_dependencies(storage_connection_string)
    batch_side = make_dependencies(storage_connection_string)
    channel_id, customer_id = create_async_customer(queue_side)
    with ThreadPoolExecutor(max_workers=2) as pool:
        batch = pool.submit(run_conversion_batch, batch_side, trigger="test")
        queue = pool.submit(
            convert_async_customer, queue_side, channel_id=channel_id, customer_id=customer_id
        )
        batch.result()
        queue.result()
    assert_converted_once(storage_connection_string, queue_side, channel_id, customer_id)


# Every step of a conversion of its own (its names are its fault points), the number drawn before
# binding, and the address synced after it. A link's steps are crashed in the events' tests.
LINK_ONLY = (fault_points.AFTER_SURVIVOR_FOLDED, fault_points.AFTER_LINK_RECORDED)
CONVERSION_CRASH_POINTS = [
    fault_points.AFTER_ACCOUNT_NUMBER_ALLOCATED,
    *(step.name for step in CONVERSION_STEPS if step.name not in LINK_ONLY),
    fault_points.AFTER_HQ_ADDRESS_WRITTEN,
]


@pytest.mark.parametrize("point", CONVERSION_CRASH_POINTS)
def test_crash_at_any_conversion_point_then_redelivery_converts_exactly_once(
    storage_connection_string: str, point: str
) -> None:
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(point))
    channel_id, customer_id = create_async_customer(
        crashing, addresses=[{"street": "1 Main St", "city": "Seattle", "countryRegionId": "USA"}]
    )
    with pytest.raises(SimulatedCrash):
        convert_async_customer(crashing, channel_id=channel_id, customer_id=customer_id)
    # The redelivery runs on a fresh instance, as after a real crash.
    healthy = make_dependencies(storage_connection_string)
    convert_async_customer(healthy, channel_id=channel_id, customer_id=customer_id)
    convert_async_customer(healthy, channel_id=channel_id, customer_id=customer_id)
    account = assert_converted_once(storage_connection_string, healthy, channel_id, customer_id)
    addresses = healthy.customers.addresses(channel_id, customer_id)
    assert [address.sync_status for address in addresses] == [SyncStatus.SYNCED]
    assert healthy.headquarters.account_number_of(customer_id) == account


def test_crash_between_channel_write_and_enqueue_is_converted_by_the_batch(
    storage_connection_string: str,
) -> None:
    crashing = make_dependencies(
        storage_connection_string, faults=CrashAt(fault_points.AFTER_CUSTOMER_WRITTEN)
    )
    channel = add_channel(crashing, async_customer_creation=True)
    with pytest.raises(SimulatedCrash):
        create_customer(crashing, channel_id=channel.channel_id, body=person())
    assert len(pending_rows(storage_connection_string, channel.channel_id)) == 1
    healthy = make_dependencies(storage_connection_string)
    summary = run_conversion_batch(healthy, trigger="test")
    assert summary.converted >= 1
    assert pending_rows(storage_connection_string, channel.channel_id) == []


def test_batch_reads_only_the_pending_index(dependencies: Dependencies) -> None:
    channel_id, customer_id = create_async_customer(dependencies)
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    from shared.services.conversion_batch import pending_operations

    assert all(operation.customer_id != customer_id for operation in pending_operations(dependencies))


def test_overlapping_batch_runs_make_one_hq_customer_each(storage_connection_string: str) -> None:
    # Timer runs can overlap across instances when a singleton lease is lost.
    first, second = (make_dependencies(storage_connection_string) for _ in range(2))
    channel = add_channel(first, async_customer_creation=True)
    customer_ids = [
        create_customer(first, channel_id=channel.channel_id, body=person()).customer.customer_id
        for _ in range(12)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(run_conversion_batch, deps, trigger="test") for deps in (first, second)]
        for run in runs:
            run.result()
    accounts = [
        assert_converted_once(storage_connection_string, first, channel.channel_id, customer_id)
        for customer_id in customer_ids
    ]
    assert len(set(accounts)) == len(customer_ids)


def test_crash_before_the_channel_write_leaves_no_customer_and_nothing_findable(
    storage_connection_string: str,
) -> None:
    from shared.services.search import search_customers
    from tests.support.inspection import channel_rows

    crash = CrashAt(fault_points.BEFORE_CUSTOMER_WRITTEN)
    crashing = make_dependencies(storage_connection_string, faults=crash)
    channel = add_channel(crashing, async_customer_creation=True)
    email = f"{channel.channel_id}@example.com"
    with pytest.raises(SimulatedCrash):
        create_customer(crashing, channel_id=channel.channel_id, body=person(email=email))
    assert channel_rows(storage_connection_string, channel.channel_id) == []
    assert search_customers(crashing, channel_id=channel.channel_id, text=email).items == []

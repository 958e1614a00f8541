"""The channel customer table: atomic writes, ETag checks and the pending index, on Azurite."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.domain.address import Address, AddressCreate
from shared.domain.changes import SearchEntriesAdded
from shared.domain.customer import CustomerRecord
from shared.domain.profile import CustomerProfile
from shared.domain.values import CreationMode, FallbackReason, SyncStatus
from shared.services.dependencies import Dependencies
from shared.storage.ports import HqCustomer, RecordChanged, RowAlreadyExists
from tests.support.builders import add_channel
from tests.support.inspection import channel_rows, pending_rows, search_rows


def new_record(channel_id: str) -> CustomerRecord:
    return CustomerRecord(
        customer_id=str(uuid.uuid4()),
        channel_id=channel_id,
        profile=CustomerProfile(first_name="Ada", last_name="Lovelace"),
        sync_status=SyncStatus.PENDING,
        creation_mode=CreationMode.ASYNC,
        created_at=datetime.now(UTC),
        request_fingerprint="f",
    )


def address() -> Address:
    return Address.from_request(
        AddressCreate(street="1 Main St", city="Seattle", country_region_id="USA"),
        sync_status=SyncStatus.PENDING,
        at=datetime.now(UTC),
    )


def test_customer_addresses_and_pending_rows_are_written_together(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies)
    record = dependencies.customers.save(new_record(channel.channel_id).created([address(), address()]))
    assert record.version
    assert len(pending_rows(storage_connection_string, channel.channel_id)) == 3
    stored = dependencies.customers.get(channel.channel_id, record.customer_id)
    assert stored is not None and stored.profile == record.profile
    assert len(dependencies.customers.addresses(channel.channel_id, record.customer_id)) == 2


def test_a_failed_insert_leaves_nothing_behind(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies)
    first = dependencies.customers.save(new_record(channel.channel_id).created([], idempotency_key="k"))
    before = channel_rows(storage_connection_string, channel.channel_id)
    # A different customer reusing the idempotency key: the whole transaction must fail.
    with pytest.raises(RowAlreadyExists):
        dependencies.customers.save(new_record(channel.channel_id).created([address()], idempotency_key="k"))
    after = channel_rows(storage_connection_string, channel.channel_id)
    assert [row["RowKey"] for row in after] == [row["RowKey"] for row in before]
    assert (
        dependencies.customers.customer_id_for_idempotency_key(channel.channel_id, "k") == first.customer_id
    )


def test_marking_synced_checks_the_etag_and_drops_the_pending_row(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies)
    record = dependencies.customers.save(new_record(channel.channel_id).created([]))
    [operation] = dependencies.customers.pending_operations(channel.channel_id, record.customer_id)
    synced = dependencies.customers.save(record.synced("C1", datetime.now(UTC), operation=operation))
    assert synced.version != record.version
    assert pending_rows(storage_connection_string, channel.channel_id) == []
    with pytest.raises(RecordChanged):
        dependencies.customers.save(record.synced("C2", datetime.now(UTC), operation=operation))
    stored = dependencies.customers.get(channel.channel_id, record.customer_id)
    assert stored is not None and stored.account_number == "C1"


def test_marking_synced_drops_the_pending_search_entries_in_the_same_transaction(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies)
    record = dependencies.customers.save(new_record(channel.channel_id).created([]))
    assert search_rows(storage_connection_string, channel.channel_id)
    [operation] = dependencies.customers.pending_operations(channel.channel_id, record.customer_id)
    changed = dependencies.customers.save(record.fell_back(FallbackReason.HEADQUARTERS_UNAVAILABLE))
    with pytest.raises(RecordChanged):  # a stale record fails, entries and all
        dependencies.customers.save(record.synced("C0", datetime.now(UTC), operation=operation))
    assert search_rows(storage_connection_string, channel.channel_id)
    dependencies.customers.save(changed.synced("C1", datetime.now(UTC), operation=operation))
    assert search_rows(storage_connection_string, channel.channel_id) == []
    assert pending_rows(storage_connection_string, channel.channel_id) == []


def test_marking_synced_a_customer_whose_entries_are_missing_still_succeeds(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    """Customers indexed by an earlier version have no entries in their channel's partition: the
    transaction that would drop them fails, and the record is marked synced on its own."""
    channel = add_channel(dependencies)
    created = new_record(channel.channel_id).created([])
    unindexed = [row for row in created.rows if not isinstance(row, SearchEntriesAdded)]
    record = dependencies.customers.save(replace(created, rows=tuple(unindexed)))
    assert search_rows(storage_connection_string, channel.channel_id) == []
    [operation] = dependencies.customers.pending_operations(channel.channel_id, record.customer_id)
    synced = dependencies.customers.save(record.synced("C2", datetime.now(UTC), operation=operation))
    stored = dependencies.customers.get(channel.channel_id, record.customer_id)
    assert stored is not None and stored.account_number == "C2" and stored.version == synced.version
    assert pending_rows(storage_connection_string, channel.channel_id) == []


def test_pending_index_lists_only_pending_rows_of_the_channel(dependencies: Dependencies) -> None:
    channel = add_channel(dependencies)
    other = add_channel(dependencies)
    pending = dependencies.customers.save(new_record(channel.channel_id).created([address()]))
    done = dependencies.customers.save(new_record(channel.channel_id).created([]))
    [operation] = dependencies.customers.pending_operations(channel.channel_id, done.customer_id)
    dependencies.customers.save(done.synced("C9", datetime.now(UTC), operation=operation))
    dependencies.customers.save(new_record(other.channel_id).created([]))
    operations = dependencies.customers.pending_operations(channel.channel_id)
    assert {operation.customer_id for operation in operations} == {pending.customer_id}
    assert sorted(operation.kind.value for operation in operations) == ["AddressCreate", "CustomerCreate"]
    [completed] = dependencies.channel_activity.completed_operations(channel.channel_id, limit=10)
    assert completed.customer_id == done.customer_id and completed.state.value == "Synced"
    assert completed.attempts == 1


def test_a_profile_longer_than_one_table_property_is_stored_across_several_and_read_whole(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies)
    # 40 values of 1,000 quotes and emoji: about 120,000 characters of JSON, beyond the 64 KiB
    # Azure keeps in one property. The service's limits keep a real profile far below this.
    long_values = {f"note{number}": '"🙂' * 500 for number in range(40)}
    record = new_record(channel.channel_id)
    record = record.model_copy(
        update={"profile": record.profile.model_copy(update={"attributes": long_values})}
    )
    stored = dependencies.customers.save(record.created([]))
    [row] = [row for row in channel_rows(storage_connection_string, channel.channel_id) if "Profile" in row]
    assert row["ProfileParts"] > 1
    read = dependencies.customers.get(channel.channel_id, stored.customer_id)
    assert read is not None and read.profile.attributes == long_values
    shorter = stored.model_copy(update={"profile": record.profile.model_copy(update={"attributes": {}})})
    dependencies.customers.save(stored.edited(shorter.profile, at=datetime.now(UTC)))
    [row] = [row for row in channel_rows(storage_connection_string, channel.channel_id) if "Profile" in row]
    assert "ProfileParts" not in row and "Profile2" not in row

    account = f"T{uuid.uuid4().hex[:9]}"
    dependencies.headquarters.save_master(
        HqCustomer(
            account_number=account,
            customer_id=stored.customer_id,
            channel_id=channel.channel_id,
            profile=record.profile,
        )
    )
    master = dependencies.headquarters.get(account)
    assert master is not None and master.profile.attributes == long_values

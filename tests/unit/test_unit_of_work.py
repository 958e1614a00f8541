"""Every row change a transition can answer becomes table operations on rows of a known family of
the channel's partition: a new change without its table operations, or writing a row no family
names, fails here, without storage."""

from __future__ import annotations

import typing
from datetime import UTC, datetime

from shared.domain import changes as rows
from shared.domain.address import Address, AddressCreate
from shared.domain.consent import ConsentChange
from shared.domain.customer import CustomerRecord
from shared.domain.operations import OperationRef, new_operation
from shared.domain.profile import CustomerProfile
from shared.domain.search import SearchTerm
from shared.domain.values import CreationMode, SyncStatus
from shared.storage.channel_customers import table_operations
from shared.storage.channel_rows import RowFamily, family_of

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
CUSTOMER = "3f2b1c4d-0000-4000-8000-000000000001"
ADDRESS = Address.from_request(
    AddressCreate(street="1 Main St", city="Seattle", country_region_id="USA"),
    sync_status=SyncStatus.PENDING,
    at=NOW,
)
OPERATION = new_operation(OperationRef("store-042", CUSTOMER, ADDRESS.address_id), NOW)
CONSENT = ConsentChange(
    contact="email", value="ada@example.com", marketing_consent=True, channel_id="store-042", changed_at=NOW
)
TERMS = (SearchTerm("email", "ada@example.com"), SearchTerm("name", "lovelace"))

SAMPLES: list[rows.RowChange] = [
    rows.AddressAdded(CUSTOMER, ADDRESS),
    rows.AddressKept(CUSTOMER, ADDRESS),
    rows.AddressSynced(CUSTOMER, ADDRESS.address_id),
    rows.AddressRemoved(CUSTOMER, ADDRESS.address_id),
    rows.OperationOpened(OPERATION),
    rows.OperationUpdated(OPERATION, "W/1"),
    rows.OperationClosed(OPERATION.completed(NOW)),
    rows.OperationDropped(OPERATION),
    rows.ConsentAppended(CUSTOMER, CONSENT, 0),
    rows.ConsentCopied(CUSTOMER, CONSENT, "08263-000", copied_from=CUSTOMER),
    rows.IdempotencyKeyKept("till-7-0001", CUSTOMER),
    rows.ConversionLogged(CUSTOMER, NOW),
    rows.SearchEntriesAdded(CUSTOMER, TERMS, "20261205T093000.000000"),
    rows.SearchEntriesDropped(CUSTOMER, TERMS, "20261205T093000.000000"),
    rows.EventsToPublish("C000000042"),
    rows.EventsPublished("C000000042", "W/2"),
]


def test_every_kind_of_row_change_has_a_sample_here() -> None:
    assert {type(sample) for sample in SAMPLES} == set(typing.get_args(rows.RowChange))


def test_every_row_change_becomes_operations_on_rows_of_a_known_family_in_its_channel() -> None:
    for sample in SAMPLES:
        kind = type(sample)
        core, added, dropped = table_operations(rows.Changes(channel_id="store-042", rows=(sample,)))
        operations = core + added + dropped
        assert operations, kind.__name__
        for operation in operations:
            entity = operation[1]
            assert entity["PartitionKey"] == "store-042", kind.__name__
            assert family_of(entity["RowKey"]) in RowFamily, kind.__name__


def test_a_new_customer_row_is_created_and_a_changed_one_replaced_only_at_its_etag() -> None:
    record = CustomerRecord(
        customer_id=CUSTOMER,
        channel_id="store-042",
        profile=CustomerProfile(first_name="Ada", last_name="Lovelace"),
        sync_status=SyncStatus.PENDING,
        creation_mode=CreationMode.ASYNC,
        created_at=NOW,
    )
    [create, *_], _, _ = table_operations(record.created())
    assert create[0] == "create" and family_of(create[1]["RowKey"]) is RowFamily.CUSTOMER
    stored = record.model_copy(update={"version": "W/2"})
    [update, *_], _, _ = table_operations(stored.synced("C000000042", NOW))
    assert update[0] == "update" and update[2]["etag"] == "W/2"

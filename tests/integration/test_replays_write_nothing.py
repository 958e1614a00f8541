"""A replay reads, compares and answers: no id claim, no index row, no record is written."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.errors import CustomerIdConflict
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.storage.channel_rows import CUSTOMERS_TABLE
from shared.storage.customer_ids import CUSTOMER_IDS_TABLE
from shared.storage.search_index import SEARCH_INDEX_TABLE
from tests.support.builders import add_channel, person
from tests.support.inspection import row_count

TABLES = (CUSTOMER_IDS_TABLE, SEARCH_INDEX_TABLE, CUSTOMERS_TABLE)


def _rows(connection_string: str) -> dict[str, int]:
    return {table: row_count(connection_string, table) for table in TABLES}


def test_twenty_idempotency_key_replays_write_no_row(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies, async_customer_creation=True)
    body, key = person(), f"basket-{uuid.uuid4()}"
    first = create_customer(dependencies, channel_id=channel.channel_id, body=body, idempotency_key=key)
    assert first.created
    before = _rows(storage_connection_string)
    for _ in range(10):
        replay = create_customer(dependencies, channel_id=channel.channel_id, body=body, idempotency_key=key)
        assert (replay.created, replay.customer.customer_id) == (False, first.customer.customer_id)
    for _ in range(10):
        with pytest.raises(CustomerIdConflict):
            create_customer(
                dependencies,
                channel_id=channel.channel_id,
                body=person(firstName="Other"),
                idempotency_key=key,
            )
    assert _rows(storage_connection_string) == before


def test_twenty_customer_id_replays_write_no_row(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies, async_customer_creation=True)
    body = person(customerId=str(uuid.uuid4()))
    assert create_customer(dependencies, channel_id=channel.channel_id, body=body).created
    before = _rows(storage_connection_string)
    for _ in range(10):
        assert not create_customer(dependencies, channel_id=channel.channel_id, body=body).created
    for _ in range(10):
        with pytest.raises(CustomerIdConflict):
            create_customer(dependencies, channel_id=channel.channel_id, body={**body, "firstName": "Other"})
    assert _rows(storage_connection_string) == before

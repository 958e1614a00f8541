"""Storage round trips per operation, counted at the HTTP transport: in Azure each is a TLS call."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from tests.support.builders import add_channel, make_dependencies, person
from tests.support.faults import StorageFaults


def test_an_async_create_is_three_round_trips_claim_transaction_and_message(
    storage_connection_string: str,
) -> None:
    transport = StorageFaults()
    dependencies = make_dependencies(storage_connection_string, channel_transport=transport)
    channel = add_channel(dependencies, async_customer_creation=True)
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="warm@example.com"))
    transport.sent.clear()
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="counted@example.com"))
    # The channel is cached; the search entries travel in the customer's transaction.
    assert transport.sent == [
        "POST /devstoreaccount1/CustomerIds",
        "POST /devstoreaccount1/$batch",
        "POST /devstoreaccount1/customer-sync/messages",
    ]


def _conversion_calls(storage_connection_string: str, **settings: Any) -> tuple[list[str], list[str]]:
    """The channel and HQ calls of one conversion, after a first one created tables and reserved a
    block of numbers; every customer has an e-mail and a phone of its own."""
    channel_calls, hq_calls = StorageFaults(), StorageFaults()
    dependencies = make_dependencies(
        storage_connection_string, channel_transport=channel_calls, hq_transport=hq_calls, **settings
    )
    dependencies.event_publisher.publish = None  # publishing is counted apart: it is not the conversion's
    channel = add_channel(dependencies, async_customer_creation=True)
    for _ in range(2):
        unique = uuid.uuid4().int
        body = person(email=f"n{unique}@example.com", phone=f"+44207{unique % 10**7:07d}")
        created = create_customer(dependencies, channel_id=channel.channel_id, body=body)
        channel_calls.sent.clear()
        hq_calls.sent.clear()
        convert_async_customer(
            dependencies, channel_id=channel.channel_id, customer_id=created.customer.customer_id
        )
    return channel_calls.sent, [call.split("(")[0] for call in hq_calls.sent]


MASTER_AND_EVENT = "POST /devstoreaccount1/$batch"


def test_a_conversion_is_ten_round_trips_one_after_the_other(storage_connection_string: str) -> None:
    """Record, pending operations (the addresses its event shows read beside them), binding
    (create-first), master and its event (one transaction, create-first), the synced entries (one
    write per partition, side by side) and mark-synced, which drops the pending entries too."""
    channel_calls, hq_calls = _conversion_calls(storage_connection_string, DUPLICATE_POLICY="off")
    assert hq_calls == ["POST /devstoreaccount1/HqCustomerKeys", MASTER_AND_EVENT]
    reads = [call for call in channel_calls if call.startswith("GET")]
    index_writes = [call for call in channel_calls if "CustomerSearchIndex" in call]
    transactions = [call for call in channel_calls if call.endswith("$batch")]
    assert (len(reads), len(transactions)) == (3, 2)  # one of the batches is the two name entries
    assert len(index_writes) == 4
    assert len(channel_calls) + len(hq_calls) == 11


def test_without_events_a_conversion_makes_the_same_round_trips_less_the_address_read(
    storage_connection_string: str,
) -> None:
    channel_calls, hq_calls = _conversion_calls(
        storage_connection_string, DUPLICATE_POLICY="off", CUSTOMER_EVENTS="false"
    )
    assert hq_calls == ["POST /devstoreaccount1/HqCustomerKeys", "POST /devstoreaccount1/HqCustomers"]
    assert len([call for call in channel_calls if call.startswith("GET")]) == 2
    assert len(channel_calls) + len(hq_calls) == 10


def test_duplicate_detection_adds_two_writes_and_two_reads_by_key(storage_connection_string: str) -> None:
    """The customer's two match keys are written, then read back, each pair side by side: four
    round trips, whatever the number of customers HQ holds."""
    channel_calls, hq_calls = _conversion_calls(storage_connection_string)
    assert len(channel_calls) == 9
    assert hq_calls[:2] == ["POST /devstoreaccount1/HqCustomerKeys", MASTER_AND_EVENT]
    assert (
        sorted(hq_calls[2:])
        == ["GET /devstoreaccount1/HqMatchKeys"] * 2 + ["PUT /devstoreaccount1/HqMatchKeys"] * 2
    )


def test_a_create_starts_no_thread(storage_connection_string: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """azure-core would start a thread pool for every entity-group transaction; the app prepares the
    transaction's parts in place."""
    dependencies = make_dependencies(storage_connection_string)
    channel = add_channel(dependencies, async_customer_creation=True)
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="warm@example.com"))
    started: list[str] = []
    original_start = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        original_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="threads@example.com"))
    assert started == []

"""Storage round trips per operation, counted at the HTTP transport: in Azure each is a TLS call."""

from __future__ import annotations

import threading

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


def test_a_conversion_is_ten_round_trips(storage_connection_string: str) -> None:
    """Record, pending operations, binding (create-first), master (create-first), the synced entries
    (one write per partition, side by side) and mark-synced, which drops the pending entries too."""
    channel_calls, hq_calls = StorageFaults(), StorageFaults()
    dependencies = make_dependencies(
        storage_connection_string, channel_transport=channel_calls, hq_transport=hq_calls
    )
    channel = add_channel(dependencies, async_customer_creation=True)
    for number in range(2):  # the first conversion creates tables and reserves a block of numbers
        created = create_customer(
            dependencies, channel_id=channel.channel_id, body=person(email=f"n{number}@example.com")
        )
        channel_calls.sent.clear()
        hq_calls.sent.clear()
        convert_async_customer(
            dependencies, channel_id=channel.channel_id, customer_id=created.customer.customer_id
        )
    assert [call.split("(")[0] for call in hq_calls.sent] == [
        "POST /devstoreaccount1/HqCustomerKeys",
        "POST /devstoreaccount1/HqCustomers",
    ]
    reads = [call for call in channel_calls.sent if call.startswith("GET")]
    index_writes = [call for call in channel_calls.sent if "CustomerSearchIndex" in call]
    transactions = [call for call in channel_calls.sent if call.endswith("$batch")]
    assert (len(reads), len(transactions)) == (2, 2)  # one of the batches is the two name entries
    assert len(index_writes) == 4
    assert len(channel_calls.sent) + len(hq_calls.sent) == 10


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

"""Storage round trips per operation, counted at the HTTP transport: in Azure each is a TLS call."""

from __future__ import annotations

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

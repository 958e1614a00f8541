"""Storage round trips per operation, counted at the HTTP transport: in Azure each is a TLS call."""

from __future__ import annotations

from shared.services.customers import create_customer
from tests.support.builders import add_channel, make_dependencies, person
from tests.support.faults import StorageFaults


def test_an_async_create_reads_neither_its_channel_nor_a_key_twice_within_the_cache_time(
    storage_connection_string: str,
) -> None:
    transport = StorageFaults()
    dependencies = make_dependencies(storage_connection_string, channel_transport=transport)
    channel = add_channel(dependencies, async_customer_creation=True)
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="warm@example.com"))
    transport.sent.clear()
    create_customer(dependencies, channel_id=channel.channel_id, body=person(email="counted@example.com"))
    channel_reads = [call for call in transport.sent if "Channels(" in call]
    assert channel_reads == []
    # the id claim, the search entries (e-mail, phone, two name shards), one transaction, one message
    assert len(transport.sent) == 7, transport.sent

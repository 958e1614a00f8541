"""Throttling and transient storage failures are retried by the SDK's policy; lasting ones become 503."""

from __future__ import annotations

import pytest

from shared.domain.errors import StorageUnavailable
from shared.services.customers import create_customer
from tests.support.builders import add_channel, make_dependencies, person
from tests.support.faults import CountDown, StorageFaults
from tests.support.inspection import channel_rows


def is_transaction(request) -> bool:  # type: ignore[no-untyped-def]
    return str(request.url).endswith("/$batch")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttled_or_failing_transaction_is_retried_and_succeeds(
    storage_connection_string: str, status: int
) -> None:
    busy_twice = CountDown(2, is_transaction)
    storage = StorageFaults(answer_when=lambda request: status if busy_twice(request) else None)
    dependencies = make_dependencies(storage_connection_string, channel_transport=storage)
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=person())
    assert storage.answered == [status, status]
    assert dependencies.customers.get(channel.channel_id, created.customer.customer_id) is not None


def test_storage_that_stays_down_gives_storage_unavailable_and_writes_nothing(
    storage_connection_string: str,
) -> None:
    healthy = make_dependencies(storage_connection_string)
    channel = add_channel(healthy, async_customer_creation=True)
    storage = StorageFaults(answer_when=lambda request: 503 if is_transaction(request) else None)
    failing = make_dependencies(storage_connection_string, channel_transport=storage)
    with pytest.raises(StorageUnavailable) as caught:
        create_customer(failing, channel_id=channel.channel_id, body=person())
    assert caught.value.code == "storage-unavailable"  # the HTTP edge adds Retry-After (e2e test)
    # Bounded: the first try and the policy's retries, no more.
    assert 2 <= len(storage.answered) <= 6
    assert channel_rows(storage_connection_string, channel.channel_id) == []


def test_unreachable_storage_gives_storage_unavailable(storage_connection_string: str) -> None:
    healthy = make_dependencies(storage_connection_string)
    channel = add_channel(healthy, async_customer_creation=True)
    down = StorageFaults(fail_when=lambda request: True)
    failing = make_dependencies(storage_connection_string, channel_transport=down)
    with pytest.raises(StorageUnavailable):
        create_customer(failing, channel_id=channel.channel_id, body=person())
    assert down.failures >= 1
    assert channel_rows(storage_connection_string, channel.channel_id) == []

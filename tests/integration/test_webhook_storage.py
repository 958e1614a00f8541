"""Webhooks at rest and a lost delivery message, on Azurite: the secret is sealed in the table (usable
by the app, readable by no one who reads the table), and the timer sends a lost message again."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient

from shared.domain.events import CustomerEvent, EventType, NewEvent
from shared.domain.webhooks import DeliveryStatus, new_secret
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.webhooks import fan_out, requeue_stalled
from shared.storage.ports import StoredWebhook
from shared.storage.webhooks import DELIVERY_QUEUE, WEBHOOKS_TABLE
from tests.support.builders import add_channel, make_dependencies, unique_shopper


@contextmanager
def a_webhook(dependencies: Dependencies) -> Iterator[StoredWebhook]:
    """Removed after the test, so other tests' events on the shared storage are not sent to it."""
    url = "https://hooks.example.com/in"
    webhook = StoredWebhook(str(uuid.uuid4()), url, [], dependencies.clock(), new_secret())
    dependencies.webhooks.add(webhook)
    try:
        yield webhook
    finally:
        dependencies.webhooks.remove(webhook.webhook_id)


def test_a_webhooks_secret_is_sealed_in_its_table_and_opened_only_with_the_key(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string)
    with a_webhook(dependencies) as webhook:
        table = TableServiceClient.from_connection_string(storage_connection_string).get_table_client(
            WEBHOOKS_TABLE
        )
        row = table.get_entity("webhook", webhook.webhook_id)
        stored = json.dumps(dict(row), default=str)
        assert webhook.secret not in stored and webhook.secret.removeprefix("whsec_") not in stored
        found = dependencies.webhooks.get(webhook.webhook_id)
        assert found is not None and found.secret == webhook.secret
        other_key = make_dependencies(
            storage_connection_string, WEBHOOK_SECRETS_KEY="another-key-" + "x" * 32
        )
        try:
            other_key.webhooks.get(webhook.webhook_id)
            raise AssertionError("a secret sealed with one key opened with another")
        except Exception as error:
            assert type(error).__name__ == "InvalidTag"


def test_a_delivery_whose_message_was_lost_is_sent_again_by_the_timer(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage)
    dependencies.event_publisher.publish = None
    with a_webhook(dependencies) as webhook:
        channel = add_channel(dependencies, async_customer_creation=True)
        created = create_customer(
            dependencies, channel_id=channel.channel_id, body=unique_shopper("Jan", "Nowak")
        )
        convert_async_customer(
            dependencies, channel_id=channel.channel_id, customer_id=created.customer.customer_id
        )
        record = dependencies.customers.get(channel.channel_id, created.customer.customer_id)
        assert record is not None and record.account_number is not None
        event = NewEvent(type=EventType.ADDRESS_ADDED, time=dependencies.clock(), data={}, change="lost")
        dependencies.customer_events.record(record.account_number, event)
        fan_out(dependencies, dependencies.customer_events.after(record.account_number, 0))
        queue = QueueClient.from_connection_string(own_storage, DELIVERY_QUEUE)
        queue.clear_messages()  # the message is lost

        assert requeue_stalled(dependencies) == 0  # not overdue yet
        later = dependencies.clock() + timedelta(minutes=10)
        dependencies.clock = lambda: later
        assert requeue_stalled(dependencies) == 1
        [message] = list(queue.receive_messages())
        sent = json.loads(base64.b64decode(message.content))  # base64 text, as the Functions host reads it
        assert sent == {"webhookId": webhook.webhook_id, "accountNumber": record.account_number}


def test_pruning_drops_only_deliveries_made_before_the_feeds_days(storage_connection_string: str) -> None:
    dependencies = make_dependencies(storage_connection_string)
    with a_webhook(dependencies) as webhook:
        account = f"C{uuid.uuid4().int % 10**9:09d}"
        events = [
            CustomerEvent(
                id=str(n),
                type=EventType.UPDATED,
                account_number=account,
                sequence=n,
                time=dependencies.clock(),
                data={},
            )
            for n in (1, 2, 3)
        ]
        dependencies.webhooks.add_deliveries(webhook.webhook_id, events, at=dependencies.clock())
        long_ago = dependencies.clock() - timedelta(days=30)
        [(first, version), (second, other), _] = [
            (delivery, version)
            for delivery, _, version in dependencies.webhooks.pending(webhook.webhook_id, account, limit=10)
        ]
        delivered = first.model_copy(
            update={"status": DeliveryStatus.DELIVERED, "delivered_at": long_ago, "updated_at": long_ago}
        )
        recently = second.model_copy(
            update={"status": DeliveryStatus.DELIVERED, "updated_at": dependencies.clock()}
        )
        assert dependencies.webhooks.save_deliveries(
            webhook.webhook_id, [(delivered, version), (recently, other)]
        )

        assert (
            dependencies.webhooks.prune(
                webhook.webhook_id, before=dependencies.clock() - timedelta(days=14), limit=100
            )
            == 1
        )
        left = dependencies.webhooks.deliveries(webhook.webhook_id, status=None, after=None, limit=10)
        assert [(delivery.sequence, delivery.status) for _, delivery in left] == [
            (2, DeliveryStatus.DELIVERED),
            (3, DeliveryStatus.PENDING),
        ]


def test_a_removed_webhook_takes_its_deliveries_with_it(storage_connection_string: str) -> None:
    dependencies = make_dependencies(storage_connection_string)
    with a_webhook(dependencies) as webhook:
        account = f"C{uuid.uuid4().int % 10**9:09d}"
        at = dependencies.clock()
        events = [
            CustomerEvent(
                id=str(n), type=EventType.UPDATED, account_number=account, sequence=n, time=at, data={}
            )
            for n in range(1, 131)
        ]
        dependencies.webhooks.add_deliveries(webhook.webhook_id, events, at=at)
        assert dependencies.webhooks.remove(webhook.webhook_id)
        assert dependencies.webhooks.deliveries(webhook.webhook_id, status=None, after=None, limit=10) == []

"""Customers and channels made through the app's own services, and the queue reset between benchmarks."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from bench.sample_customers import till_customer
from shared.domain.channel import Channel
from shared.domain.sync import SYNC_QUEUE
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies

SEEDING_THREADS = 8


def new_async_channel(dependencies: Dependencies) -> Channel:
    channel = Channel(
        channel_id=f"bench-{uuid.uuid4().hex[:12]}", name="Bench store", async_customer_creation=True
    )
    dependencies.channels.save(channel)
    return channel


def create_pending_customers(
    dependencies: Dependencies,
    channel: Channel,
    count: int,
    *,
    with_address: bool,
    email_of: Callable[[int], str] | None = None,
) -> list[str]:
    """Creates through `create_customer`, so the rows are exactly the ones the app writes;
    `email_of(n)` gives the n-th customer an e-mail of the caller's choosing (a returning shopper)."""

    def create(number: int) -> str:
        body = till_customer()
        if not with_address:
            del body["addresses"]
        if email_of is not None:
            body["email"] = email_of(number)
        return create_customer(dependencies, channel_id=channel.channel_id, body=body).customer.customer_id

    with ThreadPoolExecutor(max_workers=SEEDING_THREADS, thread_name_prefix="bench-seed") as pool:
        return list(pool.map(create, range(count)))


def clear_sync_queue(connection_string: str) -> None:
    """Drops messages of customers made while no queue function ran, so no later host delivers them first."""
    with contextlib.suppress(ResourceNotFoundError):
        QueueClient.from_connection_string(connection_string, SYNC_QUEUE).clear_messages()

"""Webhooks: registering one, fanning published events out to them, and their health.

The deliveries themselves are made by `webhook_delivery.py`, driven by the `customer-events` queue.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from shared.domain.errors import DomainError, NotFound
from shared.domain.events import CustomerEvent
from shared.domain.identifiers import is_guid
from shared.domain.paging import keyset_page, read_after
from shared.domain.validation import parse_model
from shared.domain.webhooks import (
    DeliveryPage,
    DeliveryStatus,
    ReplayRequest,
    ReplayStarted,
    WebhookCreate,
    WebhookCreated,
    WebhookHealth,
    WebhookList,
    WebhookPublic,
    check_addresses,
    check_url,
    new_secret,
    wants,
)
from shared.services.dependencies import Dependencies
from shared.storage.ports import StoredWebhook

logger = logging.getLogger(__name__)

DEFAULT_DELIVERY_PAGE = 50
MAX_DELIVERY_PAGE = 200
HEALTH_WINDOW = timedelta(hours=1)
REPLAY_PAGE = 500


def register_webhook(dependencies: Dependencies, body: Any) -> WebhookCreated:
    request = parse_model(WebhookCreate, body)
    check_receiver(dependencies, request.url)
    webhook = StoredWebhook(
        webhook_id=str(uuid.uuid4()),
        url=request.url,
        event_types=sorted(set(request.event_types or [])),
        created_at=dependencies.clock(),
        secret=new_secret(),
    )
    dependencies.webhooks.add(webhook)
    logger.info("Webhook %s registered", webhook.webhook_id)
    return WebhookCreated(**_public(webhook).model_dump(), secret=webhook.secret)


def check_receiver(dependencies: Dependencies, url: str) -> None:
    """The URL's form, then every address its name resolves to now: all public (or loopback, for a
    local run); 422 naming `url` otherwise."""
    allow_local = dependencies.settings.allow_local_webhooks
    host, port = check_url(url, allow_local=allow_local)
    check_addresses(dependencies.resolve(host, port), allow_local=allow_local)


def list_webhooks(dependencies: Dependencies) -> WebhookList:
    now = dependencies.clock()
    items = []
    for webhook in sorted(dependencies.webhooks.all(), key=lambda hook: hook.created_at):
        public = _public(webhook)
        public.health = webhook_health(dependencies, webhook.webhook_id, now=now)
        items.append(public)
    return WebhookList(items=items)


def webhook_health(dependencies: Dependencies, webhook_id: str, *, now: Any) -> WebhookHealth:
    since = now - HEALTH_WINDOW
    recent = dependencies.webhooks.recent(webhook_id, since=since)
    undelivered = [d for d in recent if d.status is DeliveryStatus.PENDING]
    return WebhookHealth(
        delivered=sum(1 for d in recent if d.status is DeliveryStatus.DELIVERED and d.updated_at >= since),
        pending=len(undelivered),
        failed=sum(1 for d in recent if d.status is DeliveryStatus.FAILED and d.updated_at >= since),
        oldest_undelivered_at=min((d.published_at for d in undelivered), default=None),
    )


def remove_webhook(dependencies: Dependencies, webhook_id: str) -> None:
    if not is_guid(webhook_id) or not dependencies.webhooks.remove(webhook_id):
        raise NotFound(f"No webhook '{webhook_id}'")


def list_deliveries(
    dependencies: Dependencies,
    webhook_id: str,
    *,
    status: DeliveryStatus | None,
    limit: int,
    cursor: str | None,
) -> DeliveryPage:
    _require(dependencies, webhook_id)
    found = dependencies.webhooks.deliveries(
        webhook_id, status=status, after=read_after(cursor), limit=limit + 1
    )
    items, next_cursor = keyset_page(found, limit, lambda item: item[0])
    return DeliveryPage(items=[delivery for _, delivery in items], next_cursor=next_cursor)


def replay(dependencies: Dependencies, webhook_id: str, body: Any) -> ReplayStarted:
    """Every event the webhook wants, published since `since`, is delivered again (with its own id,
    so a receiver that has it can tell), each account's in sequence order."""
    webhook = _require(dependencies, webhook_id)
    request = parse_model(ReplayRequest, body)
    now = dependencies.clock()
    asked = request.since if request.since.tzinfo else request.since.replace(tzinfo=now.tzinfo)
    # The feed keeps FEED_DAYS: an earlier time replays what it still holds.
    since = max(asked, now - timedelta(days=dependencies.settings.feed_days))
    after: str | None = None
    total = 0
    while True:
        events, after = dependencies.event_feed.read(after=after, until=now, oldest=since, limit=REPLAY_PAGE)
        total += _deliver(dependencies, webhook, events, again=True)
        if len(events) < REPLAY_PAGE:
            break
    logger.info("Webhook %s: %d deliveries queued again", webhook_id, total)
    return ReplayStarted(webhook_id=webhook_id, since=since, deliveries=total)


def fan_out(dependencies: Dependencies, events: Sequence[CustomerEvent]) -> None:
    """A publisher's part: each webhook gets the events it wants, as pending deliveries, and a
    message to make them."""
    for webhook in dependencies.webhooks.all():
        _deliver(dependencies, webhook, events, again=False)


def _deliver(
    dependencies: Dependencies, webhook: StoredWebhook, events: Sequence[CustomerEvent], *, again: bool
) -> int:
    wanted = [event for event in events if wants(webhook.event_types, event.type)]
    if not wanted:
        return 0
    dependencies.webhooks.add_deliveries(webhook.webhook_id, wanted, at=dependencies.clock(), again=again)
    for account_number in dict.fromkeys(event.account_number for event in wanted):
        dependencies.event_deliveries.send(webhook.webhook_id, account_number)
    return len(wanted)


def _require(dependencies: Dependencies, webhook_id: str) -> StoredWebhook:
    webhook = dependencies.webhooks.get(webhook_id) if is_guid(webhook_id) else None
    if webhook is None:
        raise NotFound(f"No webhook '{webhook_id}'")
    return webhook


def _public(webhook: StoredWebhook) -> WebhookPublic:
    return WebhookPublic(
        webhook_id=webhook.webhook_id,
        url=webhook.url,
        event_types=list(webhook.event_types),
        created_at=webhook.created_at,
    )


def requeue_stalled(dependencies: Dependencies, *, older_than: timedelta = timedelta(minutes=5)) -> int:
    """The timer's part: an account whose deliveries wait past their time (their message went to
    poison, or its instance stopped) gets a new message; answers how many."""
    now = dependencies.clock()
    sent = 0
    try:
        for webhook in dependencies.webhooks.all():
            stalled: set[str] = set()
            for delivery in dependencies.webhooks.recent(webhook.webhook_id, since=now):
                due = delivery.next_attempt_at or delivery.published_at
                if delivery.status is DeliveryStatus.PENDING and due < now - older_than:
                    stalled.add(delivery.account_number)
            for account_number in sorted(stalled):
                dependencies.event_deliveries.send(webhook.webhook_id, account_number)
                sent += 1
    except DomainError as error:
        logger.warning("Could not look for stalled webhook deliveries: %s", error.code)
    return sent

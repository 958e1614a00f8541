"""Delivering one webhook's events of one account, in sequence order: the `customer-events` queue's work.

A message names a webhook and an account. The dispatcher leases that pair (so two instances never
interleave an account's deliveries), then posts each pending event in turn, signed as Standard
Webhooks says. A failed post is tried again after a back-off, by a message sent with that delay;
the account's later events wait behind it. Once the retry window has closed, it is `Failed` and the
next one goes.

An instance has at most a few posts in flight to one webhook (`WebhookGate`): a slow or dead receiver
holds those workers, never the instance's others, so other webhooks' deliveries and every create go on.
"""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from shared.domain.errors import ValidationFailed
from shared.domain.events import CustomerEvent
from shared.domain.webhooks import Delivery, DeliveryStatus, next_attempt
from shared.services.dependencies import Dependencies
from shared.services.webhooks import check_receiver
from shared.storage.ports import StoredWebhook

logger = logging.getLogger(__name__)

ACCOUNT_LEASE = timedelta(seconds=120)
BUSY_RETRY_SECONDS = 2
TURN_SECONDS = 30.0  # one message's work; what is left goes on in the next message
CONTENT_TYPE = "application/cloudevents+json"


def deliver_account(dependencies: Dependencies, webhook_id: str, account_number: str) -> int:
    """Makes the account's pending deliveries to the webhook; answers how many were acknowledged."""
    webhook = dependencies.webhooks.get(webhook_id)
    if webhook is None:
        return 0  # removed: its deliveries are not made
    if not dependencies.webhook_gate.enter(webhook_id):
        dependencies.event_deliveries.send(webhook_id, account_number, delay_seconds=BUSY_RETRY_SECONDS)
        return 0
    try:
        now = dependencies.clock()
        lease = dependencies.webhooks.lease(webhook_id, account_number, until=now + ACCOUNT_LEASE, now=now)
        if lease is None:  # another dispatcher has them: it may stop before it sees the newest
            dependencies.event_deliveries.send(webhook_id, account_number, delay_seconds=BUSY_RETRY_SECONDS)
            return 0
        try:
            return _deliver_in_order(dependencies, webhook, account_number)
        finally:
            dependencies.webhooks.release(webhook_id, account_number, version=lease)
    finally:
        dependencies.webhook_gate.leave(webhook_id)


def _deliver_in_order(dependencies: Dependencies, webhook: StoredWebhook, account_number: str) -> int:
    """Posts the account's pending deliveries in turn until one must wait; a page's outcomes are
    stored together (a stop in between posts them again: copies keep their id)."""
    started = time.monotonic()
    acknowledged = 0
    refused = _receiver_problem(dependencies, webhook)  # resolved once a turn
    while time.monotonic() - started < TURN_SECONDS:
        pending = dependencies.webhooks.pending(webhook.webhook_id, account_number, limit=10)
        if not pending:
            return acknowledged
        tried: list[tuple[Delivery, str]] = []
        wait_until: datetime | None = None
        for delivery, event, version in pending:
            now = dependencies.clock()
            if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                wait_until = delivery.next_attempt_at
                break
            problem = refused or _post(dependencies, webhook, event, now=now)
            outcome = _after_attempt(dependencies, webhook, delivery, problem, now=now)
            tried.append((outcome, version))
            if problem is None:
                acknowledged += 1
            if outcome.status is DeliveryStatus.PENDING:
                wait_until = outcome.next_attempt_at
                break
        if not dependencies.webhooks.save_deliveries(webhook.webhook_id, tried):
            continue  # replayed meanwhile: read the account's deliveries again
        if wait_until is not None:
            _come_back(dependencies, webhook, account_number, at=wait_until, now=dependencies.clock())
            return acknowledged
    dependencies.event_deliveries.send(webhook.webhook_id, account_number)  # more: in a fresh turn
    return acknowledged


def _after_attempt(
    dependencies: Dependencies,
    webhook: StoredWebhook,
    delivery: Delivery,
    problem: str | None,
    *,
    now: datetime,
) -> Delivery:
    """Delivered; or to try again after a back-off; or, once the retry window has closed, Failed."""
    settings = dependencies.settings
    first = delivery.first_attempt_at or now
    tried = delivery.model_copy(
        update={"attempts": delivery.attempts + 1, "first_attempt_at": first, "updated_at": now}
    )
    if problem is None:
        return tried.model_copy(update={"status": DeliveryStatus.DELIVERED, "delivered_at": now})
    if now - first >= timedelta(hours=settings.webhook_retry_hours):
        logger.warning("Webhook %s: a delivery failed for good (%s)", webhook.webhook_id, problem)
        return tried.model_copy(update={"status": DeliveryStatus.FAILED, "last_error": problem})
    first_retry = timedelta(seconds=settings.webhook_first_retry_seconds)
    retry_at = next_attempt(tried.attempts, first_retry=first_retry, at=now)
    return tried.model_copy(update={"next_attempt_at": retry_at, "last_error": problem})


def _receiver_problem(dependencies: Dependencies, webhook: StoredWebhook) -> str | None:
    """The name is resolved again: it must still lead to public addresses only."""
    try:
        check_receiver(dependencies, webhook.url)
    except ValidationFailed:
        return "the URL no longer resolves to public addresses only"
    return None


def _post(
    dependencies: Dependencies, webhook: StoredWebhook, event: CustomerEvent, *, now: datetime
) -> str | None:
    """One signed POST; answers what went wrong, or None when the receiver acknowledged it."""
    body = json.dumps(event.cloud_event(dependencies.settings.event_source), separators=(",", ":"))
    headers = {
        "content-type": CONTENT_TYPE,
        "webhook-id": event.id,
        "webhook-timestamp": str(math.floor(now.timestamp())),
        "webhook-signature": Webhook(webhook.secret).sign(event.id, now, body),
    }
    outcome = dependencies.webhook_sender.post(webhook.url, body.encode(), headers)
    return None if outcome.acknowledged else outcome.problem or "not acknowledged"


def _come_back(
    dependencies: Dependencies, webhook: StoredWebhook, account_number: str, *, at: datetime, now: datetime
) -> None:
    delay = max(1, math.ceil((at - now).total_seconds()))
    dependencies.event_deliveries.send(webhook.webhook_id, account_number, delay_seconds=delay)

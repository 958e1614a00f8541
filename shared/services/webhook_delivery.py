"""Delivering one webhook's events of one account, in sequence order: the `customer-events` queue's work.

A message names a webhook and an account. The dispatcher leases that pair (so two instances never
interleave an account's deliveries), then posts each pending event in turn, signed as Standard
Webhooks says. A failed post is tried again after a back-off, by a message sent with that delay;
the account's later events wait behind it. Once the retry window has closed, it is `Failed` and the
next one goes.

One instance posts to one webhook at a time: a slow or dead receiver holds one worker, never the
instance's others, so other webhooks' deliveries and every create go on.
"""

from __future__ import annotations

import json
import logging
import math
import time
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from shared.domain.errors import DomainError, ValidationFailed
from shared.domain.events import CustomerEvent
from shared.domain.webhooks import DeliveryStatus, next_attempt
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
    settings = dependencies.settings
    started = time.monotonic()
    acknowledged = 0
    while time.monotonic() - started < TURN_SECONDS:
        pending = dependencies.webhooks.pending(webhook.webhook_id, account_number, limit=10)
        if not pending:
            return acknowledged
        for delivery, event, version in pending:
            now = dependencies.clock()
            if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                _come_back(dependencies, webhook, account_number, at=delivery.next_attempt_at, now=now)
                return acknowledged
            problem = _post(dependencies, webhook, event, now=now)
            tried = delivery.model_copy(
                update={
                    "attempts": delivery.attempts + 1,
                    "first_attempt_at": delivery.first_attempt_at or now,
                }
            )
            if problem is None:
                tried = tried.model_copy(
                    update={"status": DeliveryStatus.DELIVERED, "delivered_at": now, "updated_at": now}
                )
                acknowledged += 1
            elif now - (tried.first_attempt_at or now) >= timedelta(hours=settings.webhook_retry_hours):
                tried = tried.model_copy(
                    update={"status": DeliveryStatus.FAILED, "last_error": problem, "updated_at": now}
                )
                logger.warning("Webhook %s: a delivery failed for good (%s)", webhook.webhook_id, problem)
            else:
                retry_at = next_attempt(
                    tried.attempts,
                    first_retry=timedelta(seconds=settings.webhook_first_retry_seconds),
                    at=now,
                )
                tried = tried.model_copy(
                    update={"next_attempt_at": retry_at, "last_error": problem, "updated_at": now}
                )
            if not dependencies.webhooks.save_delivery(webhook.webhook_id, tried, version=version):
                break  # replayed meanwhile: read the account's deliveries again
            if tried.status is DeliveryStatus.PENDING:
                _come_back(dependencies, webhook, account_number, at=tried.next_attempt_at or now, now=now)
                return acknowledged
    dependencies.event_deliveries.send(webhook.webhook_id, account_number)  # more: in a fresh turn
    return acknowledged


def _post(
    dependencies: Dependencies, webhook: StoredWebhook, event: CustomerEvent, *, now: datetime
) -> str | None:
    """One signed POST; answers what went wrong, or None when the receiver acknowledged it."""
    try:  # the name is resolved again: it must still lead to public addresses only
        check_receiver(dependencies, webhook.url)
    except ValidationFailed:
        return "the URL no longer resolves to a public address"
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

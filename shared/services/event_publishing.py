"""Publishing: an account's recorded events go to the change feed and to every webhook that wants
them, in the account's order, by one publisher at a time.

A publisher leases the account's publication (under its ETag), publishes what follows the last
published sequence, then moves it on. A crash in between publishes the same events again later:
every event is published at least once; a copy keeps its id.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from shared.domain.changes import Changes, EventsPublished
from shared.domain.errors import DomainError
from shared.domain.events import CustomerEvent, EventType
from shared.services.dependencies import Dependencies
from shared.services.webhooks import fan_out, requeue_stalled
from shared.storage.ports import RecordChanged

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
EVENTS_PER_ROUND = 100
PRUNED_PER_RUN = 2000  # per webhook, and of the feed: the timer's work stays bounded


def publish_account(dependencies: Dependencies, account_number: str) -> int | None:
    """Publishes the account's new events; answers how many, or None when another publisher holds it."""
    published = 0
    while True:
        publication = dependencies.customer_events.publication(account_number)
        events = dependencies.customer_events.after(
            account_number, publication.published, limit=EVENTS_PER_ROUND
        )
        if not events:
            return published
        now = dependencies.clock()
        if publication.leased_until is not None and publication.leased_until > now:
            return None
        leased = dependencies.customer_events.save_publication(replace(publication, leased_until=now + LEASE))
        if leased is None:
            return None
        try:
            _complete_changes(dependencies, events)
            dependencies.event_feed.append(events, at=dependencies.clock())
            fan_out(dependencies, events)
        except Exception:
            dependencies.customer_events.save_publication(replace(leased, leased_until=None))
            raise
        if (
            dependencies.customer_events.save_publication(
                replace(leased, published=events[-1].sequence, leased_until=None)
            )
            is None
        ):
            return None
        published += len(events)
        if len(events) < EVENTS_PER_ROUND:
            return published


def _complete_changes(dependencies: Dependencies, events: list[CustomerEvent]) -> None:
    """A card's event is recorded before the card is written: the card is written now if the
    instance that issued it stopped in between, so no event is published without its change."""
    for event in events:
        if event.type is EventType.LOYALTY_CARD_ISSUED:
            dependencies.headquarters.keep_loyalty_card(
                event.account_number,
                str(event.data["loyaltyCardNumber"]),
                channel_id=str(event.data.get("issuedInChannel") or ""),
            )


def publish_and_unmark(dependencies: Dependencies, channel_id: str, account_number: str) -> None:
    """Publishes one marked account and takes its mark away (unless it was marked again since)."""
    version = dependencies.customers.publish_mark(channel_id, account_number)
    if version is not None:
        _publish_marked(dependencies, channel_id, account_number, version)


def _publish_marked(dependencies: Dependencies, channel_id: str, account_number: str, version: str) -> bool:
    try:
        if publish_account(dependencies, account_number) is None:
            return False
        dependencies.customers.commit(
            Changes(channel_id=channel_id, rows=(EventsPublished(account_number, version),))
        )
        return True
    except RecordChanged:
        return False  # marked again meanwhile: published again next time
    except DomainError as error:
        logger.warning("Could not publish the events of an account: %s", error.code)
        return False


def publish_marked_accounts(dependencies: Dependencies, *, limit: int = 500) -> int:
    """The timer's sweep: every account marked in any channel is published; answers how many."""
    done = 0
    for channel_id in dependencies.channels.channel_ids():
        for account_number, version in dependencies.customers.events_to_publish(channel_id):
            done += _publish_marked(dependencies, channel_id, account_number, version)
            if done >= limit:
                return done
    return done


def sweep_events(dependencies: Dependencies) -> tuple[int, int]:
    """The timer's part: publishes what no instance published (it stopped first), sends again the
    deliveries whose message was lost, and drops the feed's days and the deliveries past `FEED_DAYS`;
    answers accounts published and feed entries dropped."""
    try:
        published = publish_marked_accounts(dependencies)
        requeue_stalled(dependencies)
        keep_from = dependencies.clock() - timedelta(days=dependencies.settings.feed_days)
        for webhook in dependencies.webhooks.all():  # deliveries are kept as long as the feed
            dependencies.webhooks.prune(webhook.webhook_id, before=keep_from, limit=PRUNED_PER_RUN)
        return published, dependencies.event_feed.prune(keep_from=keep_from, limit=PRUNED_PER_RUN)
    except DomainError as error:  # storage unreachable: the next run sweeps
        logger.warning("Could not sweep the customer events: %s", error.code)
        return 0, 0

"""Customer events: what a change records for the rest of the retailer, and the data it carries.

A change of an HQ customer records its event before the change completes in its channel, and the
channel's completing transaction marks the account (`EventsToPublish`): a crash in between finishes
the change again, which finds the event recorded, so every completed change has exactly one event.
A change HQ keeps in the master row records its event in the master's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.domain.address import Address
from shared.domain.changes import events_to_publish
from shared.domain.consent import consent_changes
from shared.domain.customer import CustomerRecord
from shared.domain.errors import HeadquartersUnavailable
from shared.domain.events import EventType, NewEvent, customer_data
from shared.domain.profile import CustomerProfile
from shared.domain.values import SyncStatus
from shared.services.customer_views import customer_view, view_with
from shared.services.dependencies import Dependencies
from shared.services.resolution import record_of_master, surviving_master


def event_data(
    dependencies: Dependencies,
    record: CustomerRecord,
    *,
    synced_address: str | None = None,
    addresses: list[Address] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The customer as `GET .../customers/{ref}` shows it once the change is made: an address HQ has
    just taken already says synced. `addresses`: its first addresses, when read already."""
    if addresses is None:
        view = customer_view(dependencies, record)
    else:
        view = view_with(dependencies, record, addresses)
    if synced_address is not None:
        view.addresses = [
            address.model_copy(update={"sync_status": SyncStatus.SYNCED})
            if address.address_id == synced_address
            else address
            for address in view.addresses
        ]
    return customer_data(view, **extra)


def new_event(
    dependencies: Dependencies,
    type: EventType,
    data: Callable[[], dict[str, Any]],
    *,
    change: str | None = None,
) -> list[NewEvent]:
    """The event of a change, or none (and nothing read for it) while events are switched off."""
    if not dependencies.settings.events_enabled:
        return []
    return [NewEvent(type=type, time=dependencies.clock(), data=data(), change=change)]


def edit_events(
    dependencies: Dependencies, record: CustomerRecord, before: CustomerProfile | None
) -> list[NewEvent]:
    """An edit HQ takes: `customer.updated`, and `customer.consent.changed` when consent moved."""
    events = new_event(dependencies, EventType.UPDATED, lambda: event_data(dependencies, record))
    at = dependencies.clock()
    if (
        events
        and before is not None
        and consent_changes(before, record.profile, channel_id=record.channel_id, at=at)
    ):
        events += new_event(dependencies, EventType.CONSENT_CHANGED, lambda: events[0].data)
    return events


def record_event(
    dependencies: Dependencies,
    account_number: str,
    type: EventType,
    *,
    change: str,
    shown: CustomerRecord | None = None,
    **extra: Any,
) -> str:
    """Records the event of a change HQ keeps outside the master row (an address, a card, a link, a
    merge) for the customer the account stands for now (after its merges); recording it again after
    a crash changes nothing. The data is that customer as shown (`shown`: its record, when the caller
    holds it already). Answers the account the event was recorded for."""
    record = shown
    if record is None:
        master = surviving_master(dependencies, account_number)
        if master is None:
            raise HeadquartersUnavailable(f"HQ customer {account_number} is not written yet")
        account_number = master.account_number
        if not dependencies.settings.events_enabled:
            return account_number
        record = record_of_master(dependencies, master)
    if not dependencies.settings.events_enabled:
        return account_number
    data = event_data(dependencies, record, **extra) if record is not None else {}
    for event in new_event(dependencies, type, lambda: data, change=change):
        dependencies.customer_events.record(account_number, event)
    return account_number


def mark_told(dependencies: Dependencies, *, channel_id: str, account_number: str) -> None:
    """For a change that completes outside a channel transaction: marks the account to be published,
    and tells this instance's publisher at once."""
    if not dependencies.settings.events_enabled:
        return
    dependencies.customers.commit(events_to_publish(channel_id, account_number))
    dependencies.event_publisher.notify(channel_id, account_number)

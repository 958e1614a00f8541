"""Loyalty cards: HQ issues them, so a customer pending synchronization cannot get one yet."""

from __future__ import annotations

from shared.domain.access_log import AccessAction
from shared.domain.errors import AsyncCustomerLoyaltyUnavailable, CustomerNotFound
from shared.domain.events import EventType
from shared.domain.loyalty import LOYALTY_CARD_FORMAT, LoyaltyCard
from shared.services.access_log import note_access
from shared.services.channels import require_channel
from shared.services.customer_events import mark_told, record_event
from shared.services.dependencies import Dependencies
from shared.services.fault_points import AFTER_LOYALTY_EVENT_RECORDED
from shared.services.resolution import find_customer


def issue_loyalty_card(dependencies: Dependencies, *, channel_id: str, ref: str) -> LoyaltyCard:
    require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref, to_change=True)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    if record.is_pending or record.account_number is None:
        raise AsyncCustomerLoyaltyUnavailable(
            f"Customer {record.customer_id} is pending synchronization; issue the card once it is synced"
        )
    card_number = LOYALTY_CARD_FORMAT.format(number=dependencies.loyalty_card_numbers.next_number())
    # The event first: a publisher writes the card of an event whose card is missing (this instance
    # stopped in between), so the card and its event are never one without the other.
    record_event(
        dependencies,
        record.account_number,
        EventType.LOYALTY_CARD_ISSUED,
        change=f"loyaltycard:{card_number}",
        shown=record,
        loyalty_card_number=card_number,
        issued_in_channel=channel_id,
    )
    dependencies.faults.reach(AFTER_LOYALTY_EVENT_RECORDED)
    # A publisher may have written it already from its event (this card number is new): keep it.
    dependencies.headquarters.keep_loyalty_card(record.account_number, card_number, channel_id=channel_id)
    mark_told(dependencies, channel_id=record.channel_id, account_number=record.account_number)
    note_access(dependencies, AccessAction.LOYALTY, [record])
    return LoyaltyCard(
        card_number=card_number, account_number=record.account_number, customer_id=record.customer_id
    )

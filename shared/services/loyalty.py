"""Loyalty cards: HQ issues them, so a customer pending synchronization cannot get one yet."""

from __future__ import annotations

from shared.domain.errors import AsyncCustomerLoyaltyUnavailable, CustomerNotFound
from shared.services.channels import require_channel
from shared.services.customers import find_customer
from shared.services.dependencies import Dependencies

LOYALTY_CARD_FORMAT = "LC{number:010d}"


def issue_loyalty_card(dependencies: Dependencies, *, channel_id: str, ref: str) -> dict[str, str]:
    require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    if record.is_pending or record.account_number is None:
        raise AsyncCustomerLoyaltyUnavailable(
            f"Customer {record.customer_id} is pending synchronization; issue the card once it is synced"
        )
    card_number = LOYALTY_CARD_FORMAT.format(number=dependencies.loyalty_card_numbers.next_number())
    dependencies.headquarters.save_loyalty_card(record.account_number, card_number, channel_id=channel_id)
    return {
        "cardNumber": card_number,
        "accountNumber": record.account_number,
        "customerId": record.customer_id,
    }

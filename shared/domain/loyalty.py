"""Loyalty cards: HQ issues them against an account number."""

from __future__ import annotations

from shared.domain.models import ApiModel

LOYALTY_CARD_FORMAT = "LC{number:010d}"


class LoyaltyCard(ApiModel):
    card_number: str
    account_number: str
    customer_id: str

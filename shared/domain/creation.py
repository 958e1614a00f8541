"""How a channel's functionality profile decides the way a new customer is created."""

from __future__ import annotations

from shared.domain.channel import Channel
from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.profile import CustomerCreate
from shared.domain.values import CreationMode

ENHANCED_FLAG = "enhancedAsyncCustomers"
ASYNC_ADDRESSES_FLAG = "asyncCustomerAddresses"


def planned_creation_mode(channel: Channel, *, created_offline: bool = False) -> CreationMode:
    """Async when the profile says so or the POS was offline; otherwise sync, which may still fall
    back to async when HQ does not answer."""
    if created_offline or channel.async_customer_creation:
        return CreationMode.ASYNC
    return CreationMode.SYNC


def check_async_create(channel: Channel, request: CustomerCreate) -> None:
    """Rules that only bind customers created in async mode (D365 10.0.22 and 10.0.24 flags)."""
    errors = [
        FieldError(
            name,
            f"needs the channel's '{ENHANCED_FLAG}' flag for a customer created in async mode",
        )
        for name in ([] if channel.enhanced_async_customers else request.enhanced_fields_present())
    ]
    if not channel.async_customer_addresses and len(request.addresses) > 1:
        errors.append(
            FieldError(
                "addresses",
                f"an async customer carries at most one address unless the channel's "
                f"'{ASYNC_ADDRESSES_FLAG}' flag is on",
            )
        )
    if errors:
        raise ValidationFailed(errors)


def addresses_sync_in_request(channel: Channel, mode: CreationMode) -> bool:
    """Without async addresses (10.0.22), a sync customer's addresses are written to HQ in the request."""
    return mode is CreationMode.SYNC and not channel.async_customer_addresses

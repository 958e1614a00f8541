"""A customer as every API response shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from shared.domain.address import Address
from shared.domain.customer import CustomerRecord
from shared.domain.paging import Page
from shared.domain.profile import CustomerProfile
from shared.domain.values import CreationMode, FallbackReason, SyncStatus

PENDING_DISPLAY_ACCOUNT_NUMBER = "Pending synchronization"
EMBEDDED_ADDRESSES = 20  # a customer shows its first 20 addresses; `.../addresses` pages through all


class CustomerPublic(CustomerProfile):
    """A customer as every API response shows it: the profile and where it stands in sync."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    customer_id: str
    account_number: str | None
    display_account_number: str
    sync_status: SyncStatus
    creation_mode: CreationMode
    fallback_reason: FallbackReason | None
    channel_id: str
    addresses: list[Address] = Field(max_length=EMBEDDED_ADDRESSES)
    address_count: int
    created_at: datetime
    synced_at: datetime | None
    version: str | None
    linked_to_existing: bool = Field(
        description="Bound to an HQ customer that existed already (DUPLICATE_POLICY=link)"
    )
    merged_account_numbers: list[str] = Field(
        description="Account numbers of HQ customers merged into this one; they resolve to it"
    )

    @classmethod
    def of(cls, record: CustomerRecord, addresses: list[Address], *, address_count: int) -> CustomerPublic:
        """`addresses` are the first EMBEDDED_ADDRESSES; the rest are paged from `.../addresses`."""
        return cls.model_construct(
            customer_id=record.customer_id,
            account_number=record.account_number,
            display_account_number=record.account_number or PENDING_DISPLAY_ACCOUNT_NUMBER,
            sync_status=record.sync_status,
            creation_mode=record.creation_mode,
            fallback_reason=record.fallback_reason,
            channel_id=record.channel_id,
            addresses=addresses[:EMBEDDED_ADDRESSES],
            address_count=address_count,
            created_at=record.created_at,
            synced_at=record.synced_at,
            version=record.version,
            linked_to_existing=record.linked_to_existing,
            merged_account_numbers=list(record.merged_account_numbers),
            **dict(record.profile),
        )


class CustomerPage(Page[CustomerPublic]):
    """Body of `GET .../customers?search=`: one page of matches and where the next one starts."""

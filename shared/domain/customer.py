"""The channel's customer: its profile and where it stands in synchronization."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.domain.profile import CustomerProfile
from shared.domain.values import CreationMode, FallbackReason, SyncStatus


class CustomerRecord(BaseModel):
    """The channel's copy of a customer: the profile plus where it stands in synchronization."""

    customer_id: str
    channel_id: str
    profile: CustomerProfile
    sync_status: SyncStatus
    creation_mode: CreationMode
    fallback_reason: FallbackReason | None = None
    account_number: str | None = None
    created_at: datetime
    synced_at: datetime | None = None
    request_fingerprint: str = ""
    edit_count: int = 0
    version: str | None = None
    # DUPLICATE_POLICY=link bound this customer to an HQ customer another record holds.
    linked_to_existing: bool = False
    # A merge folded this customer into the survivor with this account number.
    merged_into: str | None = None
    merged_account_numbers: list[str] = Field(default_factory=list)

    @property
    def is_pending(self) -> bool:
        return self.sync_status is SyncStatus.PENDING

    @property
    def redirects(self) -> bool:
        """Its changes belong to another record: the HQ customer it was linked or merged into."""
        return self.linked_to_existing or self.merged_into is not None

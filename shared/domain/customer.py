"""The channel's customer: its profile and where it stands in synchronization."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.domain.errors import CustomerAlreadySynced
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

    # -- its life: pending -> synced (its own HQ customer, or linked to one), merged into another --

    def synced(self, account_number: str, at: datetime, *, linked: bool = False) -> CustomerRecord:
        """Converted: HQ knows it under `account_number` (another customer's when `linked`)."""
        if not self.is_pending:
            raise CustomerAlreadySynced(f"Customer {self.customer_id} is synced already")
        return self.model_copy(
            update={
                "sync_status": SyncStatus.SYNCED,
                "account_number": account_number,
                "synced_at": at,
                "linked_to_existing": linked,
            }
        )

    def fell_back(self, reason: FallbackReason) -> CustomerRecord:
        """A sync create HQ could not serve is kept as an async one, and says why."""
        return self.model_copy(update={"creation_mode": CreationMode.ASYNC, "fallback_reason": reason})

    def edited(self, profile: CustomerProfile) -> CustomerRecord:
        """The profile an edit leaves; each edit has the next sequence number, which HQ replays."""
        return self.model_copy(update={"profile": profile, "edit_count": self.edit_count + 1})

    def merged_into_account(self, account_number: str) -> CustomerRecord:
        """Its changes and its GUID belong to the survivor from now on; its profile stays as it was."""
        return self.model_copy(update={"merged_into": account_number})

    def with_merged_accounts(self, account_numbers: list[str]) -> CustomerRecord:
        """A survivor lists every account merged into it, each once, in the order they came."""
        kept = list(self.merged_account_numbers)
        kept += [number for number in account_numbers if number not in kept]
        return self.model_copy(update={"merged_account_numbers": kept})

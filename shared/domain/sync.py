"""What travels on the `customer-sync` queue and what a conversion run reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field

SYNC_QUEUE = "customer-sync"
POISON_QUEUE = f"{SYNC_QUEUE}-poison"


class SyncKind(StrEnum):
    CUSTOMER = "customer"
    ADDRESS = "address"


class SyncMessage(BaseModel):
    """Body of a `customer-sync` message; ids only, never personal data."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    kind: SyncKind
    channel_id: str = Field(alias="channelId", min_length=1, max_length=63)
    customer_id: str = Field(alias="customerId", min_length=1, max_length=64)
    address_id: str | None = Field(default=None, alias="addressId", max_length=64)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class ConversionOutcome(StrEnum):
    CONVERTED = "converted"
    ALREADY_SYNCED = "already-synced"
    NOT_FOUND = "not-found"


class RunSummary(BaseModel):
    """What one conversion batch did; ops read the last one in `GET /sync/status`."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    run_id: str = Field(alias="runId")
    trigger: str
    started_at: datetime = Field(alias="startedAt")
    finished_at: datetime = Field(alias="finishedAt")
    examined: int
    converted: int
    already_synced: int = Field(alias="alreadySynced")
    failed: int
    duration_ms: int = Field(alias="durationMs")


class RunList(BaseModel):
    """Body of `GET /api/sync/runs`: the latest batch runs, newest first."""

    items: list[RunSummary]


class HistoryBucket(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    start: datetime
    backlog: int | None = Field(
        description="Customers pending when the last batch run of this interval started; null: no run"
    )
    conversions: int = Field(description="Customers converted in this interval, by the queue or the batch")
    batch_runs: int = Field(alias="batchRuns")


class SyncHistory(BaseModel):
    """Body of `GET /api/sync/history`: the backlog and conversions over the last hours."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    hours: int
    bucket_minutes: int = Field(alias="bucketMinutes")
    buckets: list[HistoryBucket]


class SyncStatusReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    pending_customers: int = Field(alias="pendingCustomers")
    pending_addresses: int = Field(alias="pendingAddresses")
    pending_edits: int = Field(alias="pendingEdits")
    failed_operations: int = Field(alias="failedOperations")
    oldest_pending_seconds: float | None = Field(alias="oldestPendingSeconds")
    poison_messages: int = Field(alias="poisonMessages")
    last_run: RunSummary | None = Field(alias="lastRun")
    open_duplicates: int | None = Field(
        alias="openDuplicates", description="null while HQ storage, which keeps them, is unavailable"
    )
    unavailable: list[str] = Field(
        default_factory=list, description="what could not be read: `headquarters` while HQ storage is down"
    )
    as_of: datetime = Field(
        alias="asOf",
        description="when these numbers were read: an instance reads them again at most every "
        "SYNC_STATUS_MAX_AGE_SECONDS, whoever asks and however often",
    )


class HealthReport(BaseModel):
    """Reachability of each dependency: `ok` or `unavailable`."""

    checks: dict[str, str]

    @property
    def healthy(self) -> bool:
        return all(value == "ok" for value in self.checks.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        return "Healthy" if self.healthy else "Unhealthy"

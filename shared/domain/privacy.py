"""Data subject requests: a shopper asks what is held about them (GDPR Articles 15 and 20), or to be
forgotten (Article 17). The retailer has a month to answer: a request is due 30 days after it came.

A request names the person by one GUID or account number; the person is everything it resolves to
(`Person`): every account (the survivor and the accounts merged into it) and every channel record
bound to them (the customer HQ made, those linked or merged into it, and a still-pending record).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from shared.domain.identifiers import is_account_number_shaped, is_guid
from shared.domain.models import ApiModel
from shared.domain.paging import Page

ANSWER_WITHIN = timedelta(days=30)


class RequestKind(StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"


class RequestStatus(StrEnum):
    RECEIVED = "Received"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"


class PrivacyMessage(ApiModel):
    """Body of a `privacy-requests` message: work this request. Ids only."""

    model_config = ConfigDict(extra="ignore")

    request_id: str = Field(min_length=1, max_length=64)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class PrivacyRequestCreate(ApiModel):
    kind: RequestKind
    customer: str = Field(
        min_length=1, max_length=64, description="The person, by a customer GUID or an account number"
    )

    @field_validator("customer")
    @classmethod
    def _guid_or_account_number(cls, value: str) -> str:
        value = value.strip()
        if is_guid(value):
            return value.lower()
        if is_account_number_shaped(value):
            return value
        raise ValueError("must be a customer GUID or an account number")


class PrivacyRequest(ApiModel):
    request_id: str
    kind: RequestKind
    customer: str
    status: RequestStatus
    received_at: datetime
    due_by: datetime = Field(description="When the answer is due: 30 days after the request came")
    completed_at: datetime | None = None
    summary: dict[str, int] | None = Field(
        default=None,
        description="What the request read or removed, counted per table and queue: never values",
    )
    attempts: int = 0
    last_attempt_at: datetime | None = None
    last_error: str | None = Field(default=None, description="Why the last attempt stopped (an error code)")

    @classmethod
    def received(cls, request: PrivacyRequestCreate, *, at: datetime) -> PrivacyRequest:
        """Its id sorts by when it came, so the newest are listed first without an index."""
        return cls(
            request_id=f"{int(at.timestamp() * 1000):013x}-{uuid.uuid4().hex[:12]}",
            kind=request.kind,
            customer=request.customer.strip(),
            status=RequestStatus.RECEIVED,
            received_at=at,
            due_by=at + ANSWER_WITHIN,
        )

    @property
    def open(self) -> bool:
        return self.status in (RequestStatus.RECEIVED, RequestStatus.RUNNING)

    def past_due(self, now: datetime) -> bool:
        return self.open and now > self.due_by

    def started(self, at: datetime) -> PrivacyRequest:
        return self.model_copy(
            update={"status": RequestStatus.RUNNING, "attempts": self.attempts + 1, "last_attempt_at": at}
        )

    def stalled(self, now: datetime, *, after: timedelta) -> bool:
        """Open, and nobody has worked it for a while: its message, or its worker, was lost."""
        return self.status is RequestStatus.RECEIVED or (
            self.status is RequestStatus.RUNNING
            and (self.last_attempt_at is None or now - self.last_attempt_at > after)
        )

    def completed(self, summary: dict[str, int], *, at: datetime) -> PrivacyRequest:
        return self.model_copy(
            update={
                "status": RequestStatus.COMPLETED,
                "summary": summary,
                "completed_at": at,
                "last_error": None,
            }
        )

    def stopped(self, error: str) -> PrivacyRequest:
        """An attempt stopped; the next one goes on (every step can be repeated)."""
        return self.model_copy(update={"last_error": error})

    def failed(self, error: str, *, at: datetime) -> PrivacyRequest:
        """Nothing to answer with: the customer named is nobody the app holds."""
        return self.model_copy(
            update={"status": RequestStatus.FAILED, "last_error": error, "completed_at": at}
        )


class PrivacyRequestPage(Page[PrivacyRequest]):
    """Body of `GET /api/privacy/requests`, newest first."""


@dataclass(frozen=True)
class PersonRecord:
    """One channel record of the person."""

    channel_id: str
    customer_id: str


@dataclass
class Person:
    """Everything one request resolves to."""

    accounts: list[str] = field(default_factory=list)
    records: list[PersonRecord] = field(default_factory=list)

    @property
    def customer_ids(self) -> list[str]:
        return [record.customer_id for record in self.records]

    def add_record(self, record: PersonRecord) -> None:
        if record not in self.records:
            self.records.append(record)

    def add_account(self, account_number: str) -> None:
        if account_number not in self.accounts:
            self.accounts.append(account_number)


class ExportDocument(ApiModel):
    """Everything held about a person (Articles 15 and 20): stable names, one JSON document."""

    request_id: str
    generated_at: datetime
    stores_read: list[str] = Field(description="Every table and queue read for this document")
    accounts: list[str]
    customer_ids: list[str]
    channel_records: list[dict[str, Any]] = Field(description="Each channel record, as its channel shows it")
    hq_masters: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    loyalty_cards: list[dict[str, Any]]
    consent_history: list[dict[str, Any]]
    duplicate_candidates: list[dict[str, Any]]
    sync_operations: list[dict[str, Any]]
    events: list[dict[str, Any]] = Field(description="The customer events told about the person")
    access_log: list[dict[str, Any]] = Field(
        description="Every read and change of the person through a channel key"
    )

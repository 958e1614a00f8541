"""Synchronization operations, as D365 10.0.31's "Customer synchronization status" page shows them.

Each thing a channel owes HQ — creating a customer, adding an address, an edit — is one operation
with a state, an attempt count and the last error. Its id names where it lives, so ops can retry it
by id without a lookup table: `<channelId>_<customerId>[_<addressId> | _edit-<sequence>]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.json_schema import SkipJsonSchema

from shared.domain.errors import DomainError, OperationAlreadySynced
from shared.domain.identifiers import CHANNEL_ID


class OperationKind(StrEnum):
    CUSTOMER_CREATE = "CustomerCreate"
    ADDRESS_CREATE = "AddressCreate"
    CUSTOMER_EDIT = "CustomerEdit"


class OperationState(StrEnum):
    PENDING = "Pending"
    SYNCED = "Synced"
    FAILED = "Failed"


EDIT_PREFIX = "edit-"
_OPERATION_ID = re.compile(
    rf"^(?P<channel>{CHANNEL_ID})_(?P<customer>[0-9a-f-]{{36}})(?:_(?P<target>[0-9a-f-]{{36}}|edit-\d{{6}}))?$"
)


@dataclass(frozen=True)
class OperationRef:
    """Where an operation lives: its channel, its customer and what of the customer it syncs."""

    channel_id: str
    customer_id: str
    target: str | None = None  # an address id, or `edit-000001`; None for the customer itself

    @property
    def kind(self) -> OperationKind:
        if self.target is None:
            return OperationKind.CUSTOMER_CREATE
        if self.target.startswith(EDIT_PREFIX):
            return OperationKind.CUSTOMER_EDIT
        return OperationKind.ADDRESS_CREATE

    @property
    def operation_id(self) -> str:
        suffix = f"_{self.target}" if self.target else ""
        return f"{self.channel_id}_{self.customer_id}{suffix}"

    @property
    def edit_sequence(self) -> int | None:
        if self.target is None or not self.target.startswith(EDIT_PREFIX):
            return None
        return int(self.target[len(EDIT_PREFIX) :])


def edit_target(sequence: int) -> str:
    return f"{EDIT_PREFIX}{sequence:06d}"


def parse_operation_id(operation_id: str) -> OperationRef | None:
    match = _OPERATION_ID.fullmatch(operation_id)
    if match is None:
        return None
    return OperationRef(match["channel"], match["customer"], match["target"])


class SyncOperation(BaseModel):
    """One row of the synchronization-status list; never carries personal data."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    operation_id: str = Field(alias="operationId")
    kind: OperationKind
    state: OperationState
    channel_id: str = Field(alias="channelId")
    customer_id: str = Field(alias="customerId")
    address_id: str | None = Field(default=None, alias="addressId")
    edit_sequence: int | None = Field(default=None, alias="editSequence")
    attempts: int = 0
    last_error: str | None = Field(default=None, alias="lastError")
    created_at: datetime = Field(alias="createdAt")
    last_attempt_at: datetime | None = Field(default=None, alias="lastAttemptAt")
    completed_at: datetime | None = Field(default=None, alias="completedAt")
    # Its row's ETag as read, for a change that must find it unchanged; never shown.
    version: SkipJsonSchema[str | None] = Field(default=None, exclude=True)

    @computed_field(alias="errorCode")  # type: ignore[prop-decorator]
    @property
    def error_code(self) -> str | None:
        """The rule or exception that failed it last: what ops filter and count by."""
        return self.last_error.split(":", 1)[0].strip() if self.last_error else None

    @property
    def ref(self) -> OperationRef:
        target = self.address_id
        if target is None and self.edit_sequence is not None:
            target = edit_target(self.edit_sequence)
        return OperationRef(self.channel_id, self.customer_id, target)

    # -- its life: pending (failed, retried) -> synced ------------------------------------------

    def completed(self, at: datetime) -> SyncOperation:
        """Done: the attempt that did it counts, and the audit trail keeps when."""
        return self._attempted(at, state=OperationState.SYNCED, completed_at=at)

    def failed(self, error: str, at: datetime) -> SyncOperation:
        """An attempt failed: it stays to do (the queue or the batch tries again), and says why."""
        self._still_to_do()
        return self._attempted(at, state=OperationState.FAILED, last_error=error)

    def retried(self) -> SyncOperation:
        """Put back in line by ops: pending again, its count and last error kept."""
        self._still_to_do()
        return self.model_copy(update={"state": OperationState.PENDING})

    def _attempted(self, at: datetime, **outcome: object) -> SyncOperation:
        return self.model_copy(update={"attempts": self.attempts + 1, "last_attempt_at": at, **outcome})

    def _still_to_do(self) -> None:
        if self.state is OperationState.SYNCED:
            raise OperationAlreadySynced(f"Operation '{self.operation_id}' is already synced")


def describe_failure(error: BaseException) -> str:
    """What ops may read about a failure: the error type and, for our own errors, their detail.

    Our domain errors carry ids only; other exceptions may quote data, so only their type is kept.
    """
    if isinstance(error, DomainError):
        return f"{error.code}: {error.message}"[:500]
    return type(error).__name__


def new_operation(ref: OperationRef, at: datetime) -> SyncOperation:
    """A sync operation as it starts: pending, no attempt yet."""
    return SyncOperation(
        operation_id=ref.operation_id,
        kind=ref.kind,
        state=OperationState.PENDING,
        channel_id=ref.channel_id,
        customer_id=ref.customer_id,
        address_id=ref.target if ref.kind.value == "AddressCreate" else None,
        edit_sequence=ref.edit_sequence,
        created_at=at,
    )

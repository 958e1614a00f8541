"""Bodies only the HTTP edge has: lists, the offline upload's envelope, and problem details."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.models import ApiModel
from shared.domain.operations import SyncOperation
from shared.domain.profile import CustomerCreate
from shared.domain.views import CustomerPublic
from shared.services.offline_upload import MAX_OFFLINE_CUSTOMERS


def _is_none(value: object) -> bool:
    return value is None


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error the app answers."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = Field(default=None, exclude_if=_is_none)


class OperationList(ApiModel):
    items: list[SyncOperation]


class OfflineUpload(ApiModel):
    """Customers created while the POS was offline; each carries its own `customerId`."""

    customers: list[CustomerCreate] = Field(min_length=1, max_length=MAX_OFFLINE_CUSTOMERS)


class OfflineResult(ApiModel):
    """One uploaded record, answered as its own request would be: 201, 200 or its problem."""

    customer_id: str | None
    status: int
    customer: CustomerPublic | None = Field(default=None, exclude_if=_is_none)
    problem: Problem | None = Field(default=None, exclude_if=_is_none)


class OfflineResults(ApiModel):
    results: list[OfflineResult]

"""Customers a POS created while it was offline, uploaded in one request once it is back online.

Each record stands alone: it is created in async mode (or replayed, since each carries its own
`customerId`) or rejected with its own problem, so one bad record never blocks the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.domain.customer import CustomerPublic
from shared.domain.errors import (
    DomainError,
    FieldError,
    OfflineCreationDisabled,
    PayloadTooLarge,
    ValidationFailed,
)
from shared.services.channels import require_channel
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies

MAX_OFFLINE_CUSTOMERS = 100


@dataclass(frozen=True)
class OfflineOutcome:
    """One uploaded record: created, replayed (`created` false) or refused with its own error."""

    customer_id: str | None
    customer: CustomerPublic | None = None
    created: bool = False
    error: DomainError | None = None


def upload_offline_customers(
    dependencies: Dependencies, *, channel_id: str, body: Any
) -> list[OfflineOutcome]:
    channel = require_channel(dependencies, channel_id)
    records = _records_of(body)
    results = []
    for index, record in enumerate(records):
        customer_id = record.get("customerId") if isinstance(record, dict) else None
        customer_id = customer_id if isinstance(customer_id, str) else None
        try:
            if channel.filter_shared_customer_tables:
                raise OfflineCreationDisabled(
                    f"Channel '{channel_id}' filters shared customer tables: "
                    "customers cannot be created offline"
                )
            if customer_id is None:
                raise ValidationFailed(
                    [
                        FieldError(
                            f"customers[{index}].customerId", "is required for a customer created offline"
                        )
                    ]
                )
            created = create_customer(dependencies, channel_id=channel_id, body=record, created_offline=True)
            results.append(OfflineOutcome(customer_id, customer=created.customer, created=created.created))
        except ValidationFailed as error:
            results.append(OfflineOutcome(customer_id, error=_within_record(error, index)))
        except DomainError as error:
            results.append(OfflineOutcome(customer_id, error=error))
    return results


def _within_record(error: ValidationFailed, index: int) -> ValidationFailed:
    """Names fields by their place in the upload, as `customers[3].email`."""
    prefix = f"customers[{index}]."
    return ValidationFailed(
        [
            FieldError(item.field if item.field.startswith(prefix) else prefix + item.field, item.message)
            for item in error.errors
        ]
    )


def _records_of(body: Any) -> list[Any]:
    records = body.get("customers") if isinstance(body, dict) else None
    if not isinstance(records, list) or (isinstance(body, dict) and set(body) != {"customers"}):
        raise ValidationFailed([FieldError("customers", 'send {"customers": [...]} and nothing else')])
    if not records:
        raise ValidationFailed([FieldError("customers", "must hold at least one customer")])
    if len(records) > MAX_OFFLINE_CUSTOMERS:
        raise PayloadTooLarge(
            f"{len(records)} customers sent; upload at most {MAX_OFFLINE_CUSTOMERS} per request"
        )
    return records

"""Customers a POS created while it was offline, uploaded in one request once it is back online.

Each record stands alone: it is created in async mode (or replayed, since each carries its own
`customerId`) or rejected with its own problem, so one bad record never blocks the others.
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from shared.domain.channel import Channel
from shared.domain.errors import (
    DomainError,
    FieldError,
    OfflineCreationDisabled,
    PayloadTooLarge,
    ValidationFailed,
)
from shared.domain.progress import Progress
from shared.domain.views import CustomerPublic
from shared.services.channels import require_channel
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies

MAX_OFFLINE_CUSTOMERS = 100
# Records of one upload created side by side; each create already writes its index partitions in
# parallel, so a few records at a time keep the storage busy without flooding it.
PARALLEL_RECORDS = 4

logger = logging.getLogger(__name__)


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
    """Each record is created like a single create, several at a time: a record's storage round trips
    do not wait for the previous record's. Results keep the order of the upload."""
    channel = require_channel(dependencies, channel_id)
    records = _records_of(body)
    progress = Progress(len(records))
    outcomes: list[OfflineOutcome] = []
    with ThreadPoolExecutor(max_workers=PARALLEL_RECORDS, thread_name_prefix="offline-upload") as pool:
        # Each record runs in the request's context (who calls, the invocation id), a copy of its own.
        contexts = [contextvars.copy_context() for _ in records]
        for outcome in pool.map(
            lambda item: contexts[item[0]].run(_upload_one, dependencies, channel, *item), enumerate(records)
        ):
            outcomes.append(outcome)
            line = progress.advance()
            if line:
                logger.info("Offline upload of channel %s: %s records", channel.channel_id, line)
    return outcomes


def _upload_one(dependencies: Dependencies, channel: Channel, index: int, record: Any) -> OfflineOutcome:
    customer_id = record.get("customerId") if isinstance(record, dict) else None
    customer_id = customer_id if isinstance(customer_id, str) else None
    try:
        if channel.filter_shared_customer_tables:
            raise OfflineCreationDisabled(
                f"Channel '{channel.channel_id}' filters shared customer tables: "
                "customers cannot be created offline"
            )
        if customer_id is None:
            raise ValidationFailed(
                [FieldError(f"customers[{index}].customerId", "is required for a customer created offline")]
            )
        created = create_customer(
            dependencies, channel_id=channel.channel_id, body=record, created_offline=True
        )
        return OfflineOutcome(customer_id, customer=created.customer, created=created.created)
    except ValidationFailed as error:
        return OfflineOutcome(customer_id, error=_within_record(error, index))
    except DomainError as error:
        return OfflineOutcome(customer_id, error=error)


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

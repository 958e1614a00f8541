"""Conversion: a pending async customer becomes exactly one HQ customer with a real account number.

Every step is safe to repeat, so a redelivered message, a concurrent delivery, the batch racing the
queue, or a crash at any point ends with one HQ customer and one account number per customer:
- the GUID -> account-number binding in HQ is create-only, so the first binding wins for good;
- a number that lost the race goes back to the allocator's block instead of being burnt;
- the HQ master is written with the same content under the same account number;
- the channel record is marked synced with an ETag check, together with its pending-index row.
"""

from __future__ import annotations

import logging

from shared.domain.account_number import format_account_number
from shared.domain.customer import CustomerRecord, SyncStatus
from shared.domain.errors import DomainError
from shared.domain.sync import ConversionOutcome
from shared.services.dependencies import Dependencies
from shared.services.fault_points import (
    AFTER_ACCOUNT_NUMBER_ALLOCATED,
    AFTER_ACCOUNT_NUMBER_BOUND,
    AFTER_CHANNEL_RECORD_UPDATED,
    AFTER_HQ_ADDRESS_WRITTEN,
    AFTER_HQ_CUSTOMER_WRITTEN,
)
from shared.storage.channel_customers import RecordChanged
from shared.storage.headquarters import HqCustomer

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATE_RETRIES = 5


class ConversionContended(DomainError):
    slug = "conversion-contended"
    title = "The customer kept changing during conversion"
    status = 503


def convert_async_customer(
    dependencies: Dependencies,
    *,
    channel_id: str,
    customer_id: str,
    sync_addresses: bool = True,
) -> ConversionOutcome:
    """Converts one customer and then syncs its pending addresses; safe to call any number of times."""
    for _ in range(MAX_CONCURRENT_UPDATE_RETRIES):
        record = dependencies.customers.get(channel_id, customer_id)
        if record is None:
            # Only a pending-index row written by hand can point at nothing; drop it.
            dependencies.customers.drop_pending_entry(channel_id, customer_id)
            return ConversionOutcome.NOT_FOUND
        if not record.is_pending:
            if sync_addresses:
                sync_pending_addresses(dependencies, record)
            return ConversionOutcome.ALREADY_SYNCED
        try:
            synced = _convert(dependencies, record)
        except RecordChanged:
            continue
        if sync_addresses:
            sync_pending_addresses(dependencies, synced)
        logger.info(
            "Converted async customer %s of channel %s to an HQ customer",
            customer_id,
            channel_id,
        )
        return ConversionOutcome.CONVERTED
    raise ConversionContended(
        f"Customer {customer_id} changed during every conversion attempt"
    )


def _convert(dependencies: Dependencies, record: CustomerRecord) -> CustomerRecord:
    account_number = bind_account_number(dependencies, customer_id=record.customer_id)
    dependencies.faults.reach(AFTER_ACCOUNT_NUMBER_BOUND)
    dependencies.headquarters.save_master(
        HqCustomer(
            account_number=account_number,
            customer_id=record.customer_id,
            channel_id=record.channel_id,
            profile=record.profile,
        )
    )
    dependencies.faults.reach(AFTER_HQ_CUSTOMER_WRITTEN)
    synced = dependencies.customers.mark_synced(
        record, account_number=account_number, synced_at=dependencies.clock()
    )
    dependencies.faults.reach(AFTER_CHANNEL_RECORD_UPDATED)
    return synced


def bind_account_number(dependencies: Dependencies, *, customer_id: str) -> str:
    """The customer's account number: the one HQ bound already, or the next one of the sequence."""
    bound = dependencies.headquarters.account_number_of(customer_id)
    if bound is not None:
        return bound
    number = dependencies.account_numbers.next_number()
    dependencies.faults.reach(AFTER_ACCOUNT_NUMBER_ALLOCATED)
    candidate = format_account_number(
        number, dependencies.settings.customer_account_format
    )
    bound = dependencies.headquarters.bind_account_number(customer_id, candidate)
    if bound != candidate:
        dependencies.account_numbers.give_back(number)
    return bound


def sync_pending_addresses(dependencies: Dependencies, record: CustomerRecord) -> int:
    """Writes the synced customer's pending addresses to HQ (the 'channel requests' step)."""
    if record.account_number is None:
        return 0
    synced = 0
    for address in dependencies.customers.addresses(
        record.channel_id, record.customer_id
    ):
        if address.sync_status is not SyncStatus.PENDING:
            continue
        dependencies.headquarters.save_address(record.account_number, address)
        dependencies.faults.reach(AFTER_HQ_ADDRESS_WRITTEN)
        dependencies.customers.mark_address_synced(
            record.channel_id, record.customer_id, address.address_id
        )
        synced += 1
    return synced

"""The storage adapters and settings every use case works with, built once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.core.pipeline.transport import HttpTransport

from shared.services.fault_points import FaultPoints
from shared.settings import Settings, load_settings
from shared.storage.account import RetrySettings, StorageAccount
from shared.storage.channel_customers import ChannelCustomerTable
from shared.storage.channel_keys import ChannelKeyTable
from shared.storage.channels import ChannelTable
from shared.storage.customer_ids import CustomerIdRegistry
from shared.storage.headquarters import HeadquartersCustomers
from shared.storage.number_sequence import LOYALTY_CARD_SEQUENCE, AccountNumberSequence
from shared.storage.search_index import CustomerSearchIndex
from shared.storage.sync_queue import CustomerSyncQueue
from shared.storage.sync_runs import SyncRunLog


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dependencies:
    settings: Settings
    channels: ChannelTable
    channel_keys: ChannelKeyTable
    customers: ChannelCustomerTable
    customer_ids: CustomerIdRegistry
    headquarters: HeadquartersCustomers
    account_numbers: AccountNumberSequence
    loyalty_card_numbers: AccountNumberSequence
    sync_queue: CustomerSyncQueue
    run_log: SyncRunLog
    search_index: CustomerSearchIndex
    faults: FaultPoints = field(default_factory=FaultPoints)
    clock: Callable[[], datetime] = utc_now


def build_dependencies(
    settings: Settings,
    *,
    channel_transport: HttpTransport[Any, Any] | None = None,
    hq_transport: HttpTransport[Any, Any] | None = None,
    faults: FaultPoints | None = None,
) -> Dependencies:
    channel_account = StorageAccount(settings.storage, transport=channel_transport)
    # HQ calls sit on the request path of sync creates, so they give up sooner than channel calls.
    hq_retry = RetrySettings(
        total=2,
        backoff_factor=0.1,
        backoff_max=1.0,
        connection_timeout=settings.hq_timeout_seconds,
        read_timeout=max(settings.hq_timeout_seconds * 5, 10.0),
    )
    hq_account = StorageAccount(settings.hq_storage, retry=hq_retry, transport=hq_transport)
    return Dependencies(
        settings=settings,
        channels=ChannelTable(channel_account),
        channel_keys=ChannelKeyTable(channel_account),
        customers=ChannelCustomerTable(channel_account),
        customer_ids=CustomerIdRegistry(channel_account),
        headquarters=HeadquartersCustomers(hq_account),
        account_numbers=AccountNumberSequence(hq_account, block_size=settings.account_number_block_size),
        loyalty_card_numbers=AccountNumberSequence(
            hq_account, block_size=settings.account_number_block_size, sequence_id=LOYALTY_CARD_SEQUENCE
        ),
        sync_queue=CustomerSyncQueue(channel_account),
        run_log=SyncRunLog(channel_account),
        search_index=CustomerSearchIndex(channel_account),
        faults=faults or FaultPoints(),
    )


_current: Dependencies | None = None
_lock = threading.Lock()


def current_dependencies() -> Dependencies:
    """The process-wide dependencies, built from app settings on first use."""
    global _current
    with _lock:
        if _current is None:
            _current = build_dependencies(load_settings())
        return _current


def use_dependencies(dependencies: Dependencies | None) -> None:
    """Replaces the process-wide dependencies (None: rebuild from settings on next use)."""
    global _current
    with _lock:
        _current = dependencies

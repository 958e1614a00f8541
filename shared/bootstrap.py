"""The composition root: the one place that picks the Azure adapters behind the storage ports and
builds the app's `Dependencies` from its settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from azure.core.pipeline.transport import HttpTransport

from shared.domain.errors import HeadquartersUnavailable
from shared.services.access_recorder import AccessRecorder
from shared.services.dependencies import Dependencies
from shared.services.event_publisher import EventPublisher
from shared.services.event_publishing import publish_and_unmark
from shared.services.fault_points import FaultPoints
from shared.services.headquarters_calls import HeadquartersCalls
from shared.services.key_read_tracker import KeyReadTracker
from shared.services.key_suspension import count_key_reads
from shared.services.snapshot import Snapshot
from shared.settings import Settings, load_settings
from shared.storage.access_log import AccessLogTable
from shared.storage.account import RetrySettings, StorageAccount
from shared.storage.attributes import AttributeDefinitionTable, CachedAttributeDefinitions
from shared.storage.audit_log import AuditLogTable
from shared.storage.cached import CachedChannelKeys, CachedChannels
from shared.storage.channel_activity import ChannelActivityTable
from shared.storage.channel_customers import ChannelCustomerTable
from shared.storage.channel_keys import ChannelKeyTable
from shared.storage.channels import ChannelTable
from shared.storage.customer_ids import CustomerIdRegistry
from shared.storage.duplicates import HqDuplicateCandidates, HqMatchIndex
from shared.storage.entra_tokens import EntraTokens
from shared.storage.event_feed import EventFeedTable
from shared.storage.headquarters import HeadquartersCustomers
from shared.storage.hq_events import HeadquartersEvents
from shared.storage.number_sequence import LOYALTY_CARD_SEQUENCE, AccountNumberSequence
from shared.storage.privacy_requests import PrivacyQueue as PrivacyQueueClient
from shared.storage.privacy_requests import PrivacyRequestTable
from shared.storage.search_index import CustomerSearchIndex
from shared.storage.sync_queue import CustomerSyncQueue
from shared.storage.sync_runs import SyncRunLog
from shared.storage.webhook_sender import WebhookSender, resolve
from shared.storage.webhooks import EventDeliveryQueue, WebhookTables


def build_dependencies(
    settings: Settings,
    *,
    channel_transport: HttpTransport[Any, Any] | None = None,
    hq_transport: HttpTransport[Any, Any] | None = None,
    faults: FaultPoints | None = None,
) -> Dependencies:
    """`channel_transport`, `hq_transport` and `faults` are the seams tests fail storage through."""
    channel_account = StorageAccount(settings.storage, transport=channel_transport)
    # HQ calls sit on the request path of sync creates, so they give up sooner than channel calls.
    hq_retry = RetrySettings(
        total=2,
        backoff_factor=0.1,
        backoff_max=1.0,
        connection_timeout=settings.hq_timeout_seconds,
        read_timeout=max(settings.hq_timeout_seconds * 5, 10.0),
    )
    hq_account = StorageAccount(
        settings.hq_storage, retry=hq_retry, transport=hq_transport, unavailable=HeadquartersUnavailable
    )
    access_log = AccessLogTable(channel_account)
    dependencies = Dependencies(
        settings=settings,
        channels=CachedChannels(ChannelTable(channel_account), ttl_seconds=settings.channel_cache_seconds),
        channel_keys=CachedChannelKeys(
            ChannelKeyTable(channel_account), ttl_seconds=settings.channel_cache_seconds
        ),
        customers=ChannelCustomerTable(channel_account),
        channel_activity=ChannelActivityTable(channel_account),
        status_snapshot=Snapshot(settings.sync_status_max_age_seconds),
        customer_ids=CustomerIdRegistry(channel_account),
        headquarters=HeadquartersCustomers(hq_account),
        account_numbers=AccountNumberSequence(hq_account, block_size=settings.account_number_block_size),
        loyalty_card_numbers=AccountNumberSequence(
            hq_account, block_size=settings.account_number_block_size, sequence_id=LOYALTY_CARD_SEQUENCE
        ),
        sync_queue=CustomerSyncQueue(channel_account),
        run_log=SyncRunLog(channel_account),
        search_index=CustomerSearchIndex(channel_account),
        match_index=HqMatchIndex(hq_account, secret=settings.match_index_secret.encode()),
        duplicates=HqDuplicateCandidates(hq_account),
        attribute_definitions=CachedAttributeDefinitions(
            AttributeDefinitionTable(channel_account), ttl_seconds=settings.channel_cache_seconds
        ),
        hq_calls=HeadquartersCalls(timeout_seconds=settings.hq_timeout_seconds),
        person_tokens=EntraTokens(settings),
        audit_log=AuditLogTable(channel_account),
        access_log=access_log,
        access_recorder=AccessRecorder(access_log),
        key_reads=KeyReadTracker(),
        customer_events=HeadquartersEvents(hq_account),
        event_feed=EventFeedTable(hq_account),
        event_publisher=EventPublisher(),
        webhooks=WebhookTables(hq_account, secrets_key=settings.webhook_secrets_key),
        event_deliveries=EventDeliveryQueue(channel_account),
        webhook_sender=WebhookSender(timeout_seconds=settings.webhook_timeout_seconds),
        resolve=resolve,
        privacy_requests=PrivacyRequestTable(channel_account),
        privacy_queue=PrivacyQueueClient(channel_account),
        faults=faults or FaultPoints(),
    )
    dependencies.access_recorder.after_write = lambda batch: count_key_reads(dependencies, batch)
    dependencies.event_publisher.publish = lambda channel_id, account: publish_and_unmark(
        dependencies, channel_id, account
    )
    return dependencies


class AppDependencies:
    """The function app's dependencies: built from app settings on first use, once per process.

    The app hands this object to its blueprints; `replace` lets a test run the app on dependencies
    it built itself (fault points, a failing transport) and `None` go back to the settings.
    """

    def __init__(self, build: Callable[[], Dependencies] | None = None) -> None:
        self._build = build or (lambda: build_dependencies(load_settings()))
        self._built: Dependencies | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Dependencies:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def replace(self, dependencies: Dependencies | None) -> None:
        with self._lock:
            self._built = dependencies

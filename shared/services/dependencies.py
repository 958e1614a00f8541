"""What every use case works with: the storage ports, the settings, and the seams tests use.

Use cases receive a `Dependencies` explicitly; `shared/bootstrap.py`, the composition root, is the
one place that builds it from the Azure adapters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.sync import SyncStatusReport
from shared.services.access_recorder import AccessRecorder
from shared.services.event_publisher import EventPublisher
from shared.services.fault_points import FaultPoints
from shared.services.headquarters_calls import HeadquartersCalls
from shared.services.key_read_tracker import KeyReadTracker
from shared.services.snapshot import Snapshot
from shared.services.webhook_gate import WebhookGate
from shared.settings import Settings
from shared.storage.ports import (
    AccessLog,
    AttributeDefinitions,
    AuditLog,
    ChannelActivity,
    ChannelDirectory,
    ChannelKeyStore,
    CustomerEvents,
    CustomerIds,
    CustomerRecords,
    DeliveryQueue,
    DuplicateCandidates,
    EventFeed,
    HeadquartersMaster,
    MatchIndex,
    NumberSequence,
    PersonTokens,
    PrivacyQueue,
    PrivacyRequests,
    RunLog,
    SearchIndex,
    SyncQueue,
    WebhookPost,
    Webhooks,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dependencies:
    settings: Settings
    channels: ChannelDirectory
    channel_keys: ChannelKeyStore
    customers: CustomerRecords
    channel_activity: ChannelActivity
    customer_ids: CustomerIds
    headquarters: HeadquartersMaster
    account_numbers: NumberSequence
    loyalty_card_numbers: NumberSequence
    sync_queue: SyncQueue
    run_log: RunLog
    search_index: SearchIndex
    match_index: MatchIndex
    duplicates: DuplicateCandidates
    attribute_definitions: AttributeDefinitions
    hq_calls: HeadquartersCalls
    person_tokens: PersonTokens
    audit_log: AuditLog
    access_log: AccessLog
    access_recorder: AccessRecorder
    key_reads: KeyReadTracker
    customer_events: CustomerEvents
    event_feed: EventFeed
    event_publisher: EventPublisher
    webhooks: Webhooks
    event_deliveries: DeliveryQueue
    webhook_sender: WebhookPost
    # Every address a host name resolves to: webhooks must lead to public ones only.
    resolve: Callable[[str, int], list[str]]
    privacy_requests: PrivacyRequests
    privacy_queue: PrivacyQueue
    webhook_gate: WebhookGate = field(default_factory=WebhookGate)
    # This instance's last sync status, shared by every caller of `GET /api/sync/status`.
    status_snapshot: Snapshot[SyncStatusReport] = field(default_factory=lambda: Snapshot(10.0))
    faults: FaultPoints = field(default_factory=FaultPoints)
    clock: Callable[[], datetime] = utc_now

"""What ops see of synchronization: pending counts, the oldest pending record, poison, the last run."""

from __future__ import annotations

from shared.domain.errors import HeadquartersUnavailable
from shared.domain.operations import OperationKind, OperationState
from shared.domain.sync import HealthReport, SyncStatusReport
from shared.services import metrics
from shared.services.conversion_batch import pending_operations
from shared.services.dependencies import Dependencies


def sync_status(dependencies: Dependencies, *, fresh: bool = False) -> SyncStatusReport:
    """The counters as this instance last read them, read again when older than
    SYNC_STATUS_MAX_AGE_SECONDS: anyone may ask, as often as they like, and the cost stays that of one
    reading per instance per interval, whatever the backlog. `fresh` (ops, with the admin key) reads
    them now, and the others get that reading."""
    if fresh:
        dependencies.status_snapshot.forget()
    return dependencies.status_snapshot.get(lambda: _read_status(dependencies))


def _read_status(dependencies: Dependencies) -> SyncStatusReport:
    """Every channel's pending index and the HQ duplicates: as long as the backlog. HQ storage
    down leaves the channel's numbers and says so."""
    operations = pending_operations(dependencies)
    now = dependencies.clock()
    oldest = min((operation.created_at for operation in operations), default=None)

    def count(kind: OperationKind) -> int:
        return sum(1 for operation in operations if operation.kind is kind)

    try:
        open_duplicates: int | None = dependencies.duplicates.open_count()
    except HeadquartersUnavailable:
        open_duplicates = None
    report = SyncStatusReport(
        pending_customers=count(OperationKind.CUSTOMER_CREATE),
        pending_addresses=count(OperationKind.ADDRESS_CREATE),
        pending_edits=count(OperationKind.CUSTOMER_EDIT),
        failed_operations=sum(1 for operation in operations if operation.state is OperationState.FAILED),
        oldest_pending_seconds=round((now - oldest).total_seconds(), 3) if oldest else None,
        poison_messages=dependencies.sync_queue.poison_message_count(),
        last_run=next(iter(dependencies.run_log.recent(limit=1)), None),
        open_duplicates=open_duplicates,
        unavailable=["headquarters"] if open_duplicates is None else [],
        as_of=now,
    )
    metrics.last_seen.set(
        pending=len(operations), oldest_seconds=report.oldest_pending_seconds, poison=report.poison_messages
    )
    return report


def health(dependencies: Dependencies) -> HealthReport:
    """Checks channel storage and HQ, each given HQ_TIMEOUT_SECONDS: 'ok' or 'unavailable'."""
    checks: dict[str, str] = {}
    for name, probe in (
        ("storage", dependencies.sync_queue.ping),
        ("headquarters", dependencies.headquarters.ping),
    ):
        try:
            # A health probe must answer quickly even when a dependency hangs.
            dependencies.hq_calls.within_timeout(probe)
            checks[name] = "ok"
        except Exception:
            checks[name] = "unavailable"
    return HealthReport(checks=checks)

"""What ops see of synchronization: pending counts, the oldest pending record, poison, the last run."""

from __future__ import annotations

from shared.domain.sync import SyncStatusReport
from shared.services.conversion_batch import pending_entries
from shared.services.dependencies import Dependencies


def sync_status(dependencies: Dependencies) -> SyncStatusReport:
    entries = pending_entries(dependencies)
    now = dependencies.clock()
    oldest = min((entry.pending_since for entry in entries), default=None)
    return SyncStatusReport(
        pending_customers=sum(1 for entry in entries if entry.address_id is None),
        pending_addresses=sum(1 for entry in entries if entry.address_id is not None),
        oldest_pending_seconds=round((now - oldest).total_seconds(), 3)
        if oldest
        else None,
        poison_messages=dependencies.sync_queue.poison_message_count(),
        last_run=dependencies.run_log.last(),
    )


def health(dependencies: Dependencies) -> dict[str, str]:
    """Checks channel storage and HQ; a value other than 'ok' names what is wrong."""
    checks: dict[str, str] = {}
    for name, probe in (
        ("storage", dependencies.sync_queue.ping),
        ("headquarters", dependencies.headquarters.ping),
    ):
        try:
            probe()
            checks[name] = "ok"
        except Exception as error:
            checks[name] = f"unavailable ({type(error).__name__})"
    return checks

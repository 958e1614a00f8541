"""What the console charts and lists: recent batch runs, and the backlog and conversions over the
last hours, from what the app stores already (run summaries and the operations' audit trail)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from shared.domain.sync import HistoryBucket, RunSummary, SyncHistory
from shared.services.dependencies import Dependencies

DEFAULT_HOURS = 6
MAX_HOURS = 48
BUCKETS = 24
DEFAULT_RUNS = 10
MAX_RUNS = 100
CHANNEL_READERS = 8


def recent_runs(dependencies: Dependencies, *, limit: int) -> list[RunSummary]:
    return dependencies.run_log.recent(limit=limit)


def sync_history(dependencies: Dependencies, *, hours: int) -> SyncHistory:
    """24 intervals over the last `hours`: each one's conversions, batch runs and the backlog the last
    run of it found. Reads the runs once and each channel's completed creates in that window."""
    width = timedelta(hours=hours) / BUCKETS
    end = dependencies.clock()
    start = end - timedelta(hours=hours)
    runs = dependencies.run_log.recent(limit=MAX_RUNS * 10, since=start)
    with ThreadPoolExecutor(max_workers=CHANNEL_READERS, thread_name_prefix="history") as pool:
        per_channel = pool.map(
            lambda channel_id: dependencies.channel_activity.conversions_since(channel_id, start),
            dependencies.channels.channel_ids(),
        )
        conversions = [moment for moments in per_channel for moment in moments]

    def index(moment: datetime) -> int:
        return min(int((moment - start) / width), BUCKETS - 1)

    counts = [0] * BUCKETS
    for moment in conversions:
        if moment >= start:
            counts[index(moment)] += 1
    backlog: list[int | None] = [None] * BUCKETS
    run_counts = [0] * BUCKETS
    for run in sorted(runs, key=lambda summary: summary.started_at):  # the last run of a bucket wins
        if run.started_at >= start:
            backlog[index(run.started_at)] = run.examined
            run_counts[index(run.started_at)] += 1
    return SyncHistory(
        hours=hours,
        bucket_minutes=int(width.total_seconds() // 60),
        buckets=[
            HistoryBucket(
                start=start + width * n, backlog=backlog[n], conversions=counts[n], batch_runs=run_counts[n]
            )
            for n in range(BUCKETS)
        ],
    )

"""The recurring async-conversion batch: the safety net that converts what the queue path missed.

It reads only the pending index (one range query per channel), so its cost grows with the number of
pending records and channels, never with the number of customers.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from shared.domain.duplicates import DuplicatePolicy
from shared.domain.operations import SyncOperation
from shared.domain.progress import Progress
from shared.domain.sync import ConversionOutcome, RunSummary
from shared.services import metrics
from shared.services.conversion import convert_async_customer
from shared.services.dependencies import Dependencies
from shared.services.merging import finish_started_merges

logger = logging.getLogger(__name__)


def pending_operations(dependencies: Dependencies) -> list[SyncOperation]:
    """Every channel's pending index; one range query per channel."""
    return [
        operation
        for channel_id in dependencies.channels.channel_ids()
        for operation in dependencies.customers.pending_operations(channel_id)
    ]


def run_conversion_batch(dependencies: Dependencies, *, trigger: str) -> RunSummary:
    started_at = dependencies.clock()
    started = time.monotonic()
    # One conversion per customer: it syncs the customer's pending addresses and edits as well.
    pending = pending_operations(dependencies)
    customer_keys = sorted({(operation.channel_id, operation.customer_id) for operation in pending})
    oldest = min((operation.created_at for operation in pending), default=None)
    metrics.last_seen.set(
        pending=len(pending),
        oldest_seconds=(started_at - oldest).total_seconds() if oldest else 0.0,
        poison=dependencies.sync_queue.poison_message_count(),
    )

    def convert(key: tuple[str, str]) -> ConversionOutcome | None:
        channel_id, customer_id = key
        try:
            return convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
        except Exception as error:  # one failing customer must not stop the run
            logger.warning(
                "Conversion of customer %s of channel %s failed in the batch: %s",
                customer_id,
                channel_id,
                type(error).__name__,
                extra={"channelId": channel_id, "customerId": customer_id},
            )
            return None

    workers = dependencies.settings.conversion_batch_workers
    progress = Progress(len(customer_keys))
    outcomes: list[ConversionOutcome | None] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="conversion") as pool:
        for outcome in pool.map(convert, customer_keys):
            outcomes.append(outcome)
            line = progress.advance()
            if line:
                logger.info("Conversion batch (%s): %s customers", trigger, line)
    summary = RunSummary(
        run_id=str(uuid.uuid4()),
        trigger=trigger,
        started_at=started_at,
        finished_at=dependencies.clock(),
        examined=len(customer_keys),
        converted=outcomes.count(ConversionOutcome.CONVERTED),
        already_synced=outcomes.count(ConversionOutcome.ALREADY_SYNCED),
        failed=outcomes.count(None),
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    dependencies.run_log.record(summary)
    dependencies.status_snapshot.forget()  # this instance's next status shows the run
    if dependencies.settings.duplicate_policy is not DuplicatePolicy.OFF:
        finish_started_merges(dependencies)
    logger.info(
        "Conversion batch %s (%s): examined=%d converted=%d failed=%d",
        summary.run_id,
        trigger,
        summary.examined,
        summary.converted,
        summary.failed,
    )
    return summary

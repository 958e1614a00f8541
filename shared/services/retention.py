"""Retention: a channel's history rows are kept as long as they serve, then the timer deletes them,
a bounded number a run (what is left goes next run).

- the conversion log (`CONVERSION_LOG_DAYS`, 90): the console's chart reads hours of it; ops read
  weeks of it when they look into a backlog;
- completed sync operations (`COMPLETED_OPERATIONS_DAYS`, 30): the trail of what was synced, read
  when a customer asks why a change took long;
- Idempotency-Key rows (`IDEMPOTENCY_DAYS`, 30): a checkout or a till retries within minutes, an
  offline till within days; a key older than this makes a new customer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from shared.domain.errors import DomainError
from shared.services.dependencies import Dependencies
from shared.storage.channel_rows import RowFamily

logger = logging.getLogger(__name__)

PRUNED_PER_RUN = 2000


def prune_channel_history(dependencies: Dependencies, *, limit: int = PRUNED_PER_RUN) -> dict[str, int]:
    """Answers how many rows of each family went."""
    settings = dependencies.settings
    now = dependencies.clock()
    kept_days = {
        RowFamily.CONVERTED: settings.conversion_log_days,
        RowFamily.DONE: settings.completed_operations_days,
        RowFamily.IDEMPOTENCY: settings.idempotency_days,
    }
    removed = dict.fromkeys((family.value for family in kept_days), 0)
    left = limit
    try:
        for channel_id in dependencies.channels.channel_ids():
            for family, days in kept_days.items():
                if left <= 0:
                    return removed
                count = dependencies.customers.prune_history(
                    channel_id, family, before=now - timedelta(days=days), limit=left
                )
                removed[family.value] += count
                left -= count
    except DomainError as error:  # storage unreachable: the next run goes on
        logger.warning("Could not prune the channels' history: %s", error.code)
    return removed

"""Announcing work to the `customer-sync` queue; a lost announcement only delays the work."""

from __future__ import annotations

import logging

from shared.domain.sync import SyncKind, SyncMessage
from shared.services.dependencies import Dependencies

logger = logging.getLogger(__name__)


def announce_sync(
    dependencies: Dependencies,
    *,
    channel_id: str,
    customer_id: str,
    kind: SyncKind = SyncKind.CUSTOMER,
    address_id: str | None = None,
) -> bool:
    """Enqueues a sync message; if that fails the work is still in the pending index for the batch."""
    message = SyncMessage(kind=kind, channel_id=channel_id, customer_id=customer_id, address_id=address_id)
    try:
        dependencies.sync_queue.send(message)
        return True
    except Exception as error:
        logger.warning(
            "Could not enqueue %s sync of customer %s of channel %s (%s); the batch will pick it up",
            kind.value,
            customer_id,
            channel_id,
            type(error).__name__,
            extra={"channelId": channel_id, "customerId": customer_id},
        )
        return False

"""The synchronization-status audit list for ops, and retrying one operation."""

from __future__ import annotations

from shared.domain.changes import operation_retried
from shared.domain.errors import ConversionContended, NotFound
from shared.domain.operations import OperationState, SyncOperation, parse_operation_id
from shared.domain.sync import SyncKind
from shared.optimistic import retry_on_conflict
from shared.services.dependencies import Dependencies
from shared.services.sync_messages import announce_sync
from shared.storage.ports import RecordChanged

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def list_operations(
    dependencies: Dependencies,
    *,
    status: OperationState | None = None,
    channel_id: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[SyncOperation]:
    """Pending and failed operations come from the pending index; synced ones from the audit trail."""
    state = status
    channel_ids = [channel_id] if channel_id else dependencies.channels.channel_ids()
    found: list[SyncOperation] = []
    for channel in channel_ids:
        if state in (None, OperationState.PENDING, OperationState.FAILED):
            found += [
                operation
                for operation in dependencies.customers.pending_operations(channel)
                if state is None or operation.state is state
            ]
        if state in (None, OperationState.SYNCED):
            found += dependencies.channel_activity.completed_operations(channel, limit=limit)
    found.sort(key=lambda operation: operation.created_at, reverse=True)
    return found[:limit]


def retry_operation(dependencies: Dependencies, *, operation_id: str) -> SyncOperation:
    """Puts a pending or failed operation back in line and announces it to the queue."""
    ref = parse_operation_id(operation_id)

    def attempt() -> SyncOperation:
        current = dependencies.customers.operation(ref) if ref else None
        if current is None:
            raise NotFound(f"No synchronization operation '{operation_id}'")
        dependencies.customers.commit(operation_retried(current))  # a synced one is 409
        return current.retried()

    operation = retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        exhausted=ConversionContended(f"Operation '{operation_id}' kept changing; retry it again"),
    )
    announce_sync(
        dependencies,
        channel_id=operation.channel_id,
        customer_id=operation.customer_id,
        kind=SyncKind.ADDRESS if operation.address_id else SyncKind.CUSTOMER,
        address_id=operation.address_id,
    )
    return operation

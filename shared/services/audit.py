"""Who changed what: every admin change is recorded with its actor, and listed for the privacy officer."""

from __future__ import annotations

import logging

from shared.domain.audit import AuditEntry, AuditPage
from shared.domain.paging import keyset_page, read_after
from shared.services.dependencies import Dependencies

logger = logging.getLogger(__name__)

DEFAULT_AUDIT_PAGE = 50
MAX_AUDIT_PAGE = 200


def record_admin_change(dependencies: Dependencies, *, actor: str, action: str, target: str) -> None:
    """Recorded once the change is made. A change is not undone if its entry cannot be written: the
    failure is logged (ids only) for ops to see and the change stands."""
    entry = AuditEntry(at=dependencies.clock(), actor=actor, action=action, target=target)
    try:
        dependencies.audit_log.record(entry)
    except Exception:
        logger.error("Could not record admin change %s on %s by %s", action, target, actor)


def list_audit(dependencies: Dependencies, *, limit: int, cursor: str | None) -> AuditPage:
    found = dependencies.audit_log.recent(after=read_after(cursor), limit=limit + 1)
    items, next_cursor = keyset_page(found, limit, lambda item: item[0])
    return AuditPage(items=[entry for _, entry in items], next_cursor=next_cursor)

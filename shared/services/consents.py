"""A customer's marketing-consent history: the proof of every consent given or withdrawn."""

from __future__ import annotations

from shared.domain.access_log import AccessAction
from shared.domain.consent import ConsentHistory
from shared.domain.errors import CustomerNotFound
from shared.domain.paging import keyset_page, read_after
from shared.services.access_log import note_access
from shared.services.channels import require_channel
from shared.services.dependencies import Dependencies
from shared.services.resolution import find_customer

DEFAULT_CONSENT_PAGE = 50
MAX_CONSENT_PAGE = 200


def consent_history(
    dependencies: Dependencies, *, channel_id: str, ref: str, limit: int, cursor: str | None
) -> ConsentHistory:
    """Newest first. A linked or merged customer's history is that of the customer it resolves to,
    whose record the changes are made on."""
    require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref, to_change=True)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    found = dependencies.customers.consents(
        record.channel_id, record.customer_id, after=read_after(cursor), limit=limit + 1
    )
    items, next_cursor = keyset_page(found, limit, lambda entry: entry[0])
    note_access(dependencies, AccessAction.CONSENTS, [record])
    return ConsentHistory(items=[change for _, change in items], next_cursor=next_cursor)

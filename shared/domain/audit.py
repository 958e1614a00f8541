"""The audit log: every admin change, with who made it. Ids only: never a name, an e-mail or a value."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.domain.models import ApiModel
from shared.domain.paging import Page


class AuditEntry(ApiModel):
    """One entry of `GET /api/audit`."""

    at: datetime
    actor: str = Field(description="the Entra ID object id (`oid`) of the person, or `admin-key`")
    action: str = Field(description="what was done, e.g. `channel.update`, `key.issue`, `duplicate.merge`")
    target: str = Field(description="what it was done to: the route's path below /api, ids only")


class AuditPage(Page[AuditEntry]):
    """Body of `GET /api/audit`, newest first."""

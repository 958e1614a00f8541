"""The access log: every read and change of a customer through a channel key, so a person can be
told who saw their data and a stolen key's reach can be traced. Ids only, never a value."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared.domain.models import ApiModel
from shared.domain.paging import Page


class AccessAction(StrEnum):
    READ = "read"
    SEARCH = "search"  # one entry per customer a search returned
    CREATE = "create"
    EDIT = "edit"
    ADDRESS = "address"
    LOYALTY = "loyalty"
    CONSENTS = "consents"


class AccessEntry(ApiModel):
    """One entry of an access log."""

    at: datetime
    channel_id: str
    key_id: str
    action: AccessAction
    customer_id: str
    account_number: str | None


class AccessPage(Page[AccessEntry]):
    """Body of an access log route, newest first."""

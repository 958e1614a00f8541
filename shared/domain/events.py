"""What the rest of the retailer is told: every change of an HQ customer, as a CloudEvent.

An event is recorded by HQ with the change it tells of, numbered per account (`sequence`: 1, 2, 3
... with no gap), and keeps its `id` on every redelivery, so a subscriber that has seen an id can drop
the copy and one that has seen a higher sequence for the account knows the copy is older.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from shared.domain.models import ApiModel

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class EventType(StrEnum):
    SYNCED = "customer.synced"
    UPDATED = "customer.updated"
    ADDRESS_ADDED = "customer.address.added"
    LOYALTY_CARD_ISSUED = "customer.loyaltycard.issued"
    CONSENT_CHANGED = "customer.consent.changed"
    LINKED = "customer.linked"
    MERGED = "customer.merged"
    ERASED = "customer.erased"


class NewEvent(BaseModel):
    """An event about to be recorded: HQ gives it the account's next sequence number.

    `change` names the change when it is recorded on its own (an address, a card, a link, a merge),
    so recording it again after a crash finds it recorded already."""

    model_config = ConfigDict(frozen=True)

    type: EventType
    time: datetime
    data: dict[str, Any]
    change: str | None = None
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))


class CustomerEvent(BaseModel):
    """A recorded event: an account's change, numbered in the account's order."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: EventType
    account_number: str
    sequence: int
    time: datetime
    data: dict[str, Any]

    def cloud_event(self, source: str) -> dict[str, Any]:
        """CloudEvents 1.0, structured JSON mode."""
        return {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": source,
            "type": self.type.value,
            "subject": self.account_number,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "datacontenttype": CONTENT_TYPE,
            "sequence": str(self.sequence),
            "data": self.data,
        }


def customer_data(view: BaseModel, **extra: Any) -> dict[str, Any]:
    """An event's `data`: the customer as `GET .../customers/{ref}` shows it, without the ETag of
    the channel row (it belongs to the request that read it), plus what the event adds."""
    data = view.model_dump(mode="json", by_alias=True, exclude={"version"})
    data.update({to_camel(name): value for name, value in extra.items()})
    return data


def erased_data(account_number: str, erased_at: datetime) -> dict[str, Any]:
    """An erasure tells only which account went, and when: nothing else is left to tell."""
    return {"accountNumber": account_number, "erasedAt": erased_at.isoformat().replace("+00:00", "Z")}


@dataclass(frozen=True)
class Publication:
    """How far an account's events went out: every one up to `published`. `leased_until` keeps two
    publishers off the same account, so a feed never holds an account's events out of order."""

    account_number: str
    published: int
    leased_until: datetime | None
    version: str | None


class CloudEvent(ApiModel):
    """A customer event as delivered and listed: CloudEvents 1.0, structured JSON mode."""

    specversion: str
    id: str
    source: str
    type: EventType
    subject: str
    time: str
    datacontenttype: str
    sequence: str = Field(description="The event's place in its account's events: 1, 2, 3, ... as text")
    data: dict[str, Any]


class ChangePage(ApiModel):
    """Body of `GET /api/changes`: events in publishing order, and where to go on from (always set:
    ask again with it to get what was published since)."""

    items: list[CloudEvent]
    next_cursor: str

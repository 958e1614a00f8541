"""Webhooks: who wants which customer events, and where each delivery stands.

A webhook receives each event it wants once it is published, signed as the Standard Webhooks
specification says. A delivery that is not acknowledged (a 2xx within the time-out) is tried again
with exponential back-off until the retry window closes, then it is `Failed` and can be replayed.
Per webhook, an account's deliveries go one after the other, in sequence order: a later event of the
account waits while an earlier one is being retried.
"""

from __future__ import annotations

import base64
import ipaddress
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.events import EventType
from shared.domain.models import ApiModel
from shared.domain.paging import Page

SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2048
LONGEST_BACKOFF = timedelta(hours=1)
_JITTER = random.Random()  # its own generator: spacing retries is no one else's randomness


@dataclass(frozen=True)
class SendOutcome:
    """A 2xx acknowledges; anything else is `problem`: the status, or what went wrong on the way."""

    acknowledged: bool
    problem: str | None = None


class DeliveryStatus(StrEnum):
    PENDING = "Pending"
    DELIVERED = "Delivered"
    FAILED = "Failed"


class DeliveryMessage(ApiModel):
    """Body of a `customer-events` message: make this webhook's deliveries of this account. Ids only."""

    model_config = ConfigDict(extra="ignore")

    webhook_id: str = Field(min_length=1, max_length=64)
    account_number: str = Field(min_length=1, max_length=64)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class WebhookCreate(ApiModel):
    url: str = Field(max_length=MAX_URL_LENGTH, description="https, to a public address")
    event_types: list[EventType] | None = Field(
        default=None, description="The event types to deliver; every type when left out"
    )


class WebhookHealth(ApiModel):
    """The last hour of a webhook's deliveries, and how long the oldest undelivered one has waited."""

    delivered: int
    pending: int
    failed: int
    oldest_undelivered_at: datetime | None


class WebhookPublic(ApiModel):
    webhook_id: str
    url: str
    event_types: list[EventType]
    created_at: datetime
    health: WebhookHealth | None = None


class WebhookCreated(WebhookPublic):
    """The answer to a registration: the only time the secret is shown."""

    secret: str = Field(description="whsec_<base64>: verifies each delivery's webhook-signature")


class WebhookList(ApiModel):
    items: list[WebhookPublic]


class Delivery(ApiModel):
    """One event for one webhook: `sequence` orders an account's deliveries."""

    event_id: str
    type: EventType
    account_number: str
    sequence: int
    status: DeliveryStatus
    attempts: int
    first_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None = Field(default=None, description="The receiver's HTTP status, or what failed")
    published_at: datetime
    updated_at: datetime


class DeliveryPage(Page[Delivery]):
    """Body of `GET /api/webhooks/{webhookId}/deliveries`."""


class ReplayRequest(ApiModel):
    since: datetime = Field(description="RFC 3339: every event published since then is delivered again")


class ReplayStarted(ApiModel):
    webhook_id: str
    since: datetime
    deliveries: int = Field(description="Events queued again for the webhook")


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def next_attempt(attempts: int, *, first_retry: timedelta, at: datetime) -> datetime:
    """After `attempts` failed tries: the first retry after `first_retry`, each later one twice as long
    (at most an hour), with a tenth of jitter so receivers coming back are not hit all at once."""
    delay: timedelta = min(first_retry * (2 ** max(attempts - 1, 0)), LONGEST_BACKOFF)
    jittered: timedelta = delay * _JITTER.uniform(0.9, 1.1)
    return at + jittered


def wants(event_types: list[EventType], event_type: EventType) -> bool:
    return not event_types or event_type in event_types


def check_url(url: str, *, allow_local: bool) -> tuple[str, int]:
    """The host and port of a webhook URL as its form allows: https (http to this machine only when
    local webhooks are allowed), no credentials in it. Answers the host and port to resolve."""
    problem = "must be an https URL"
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationFailed([FieldError("url", problem)]) from None
    host = parts.hostname or ""
    if parts.username or parts.password:
        raise ValidationFailed([FieldError("url", "must not carry credentials")])
    if parts.scheme == "https" and host:
        return host, port
    if parts.scheme == "http" and host and allow_local and host in ("localhost", "127.0.0.1", "::1"):
        return host, port
    raise ValidationFailed([FieldError("url", problem + (" (or http to loopback)" if allow_local else ""))])


def check_addresses(addresses: list[str], *, allow_local: bool) -> None:
    """Every address a webhook's name resolves to must be public: a private, loopback, link-local or
    reserved one would let a webhook reach inside the network the app runs in."""
    if not addresses:
        raise ValidationFailed([FieldError("url", "its host name does not resolve")])
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if address.is_global and not address.is_multicast:
            continue
        if allow_local and address.is_loopback:
            continue
        raise ValidationFailed([FieldError("url", "must resolve to public addresses only")])

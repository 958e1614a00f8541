"""The values a customer is made of: its text fields, contacts and states, each checked on its own."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
)

from shared.domain.contact import normalise_email, normalise_phone
from shared.domain.models import ApiModel
from shared.domain.text import SAFE_TEXT, line, refuse_unsafe_characters

Name = Annotated[str, line(60), SAFE_TEXT]
ShortText = Annotated[str, line(60), SAFE_TEXT]
ZipCode = Annotated[str, line(20), SAFE_TEXT]
AddressLine = Annotated[str, line(250), SAFE_TEXT]
Email = Annotated[str, SAFE_TEXT, AfterValidator(normalise_email)]


class CustomerType(StrEnum):
    PERSON = "Person"
    ORGANIZATION = "Organization"


class SyncStatus(StrEnum):
    PENDING = "Pending"
    SYNCED = "Synced"


class CreationMode(StrEnum):
    SYNC = "Sync"
    ASYNC = "Async"


class FallbackReason(StrEnum):
    HEADQUARTERS_UNAVAILABLE = "headquarters-unavailable"


class AddressPurpose(StrEnum):
    HOME = "Home"
    DELIVERY = "Delivery"
    INVOICE = "Invoice"
    BUSINESS = "Business"


def _phone_in_channel_country(value: str, info: ValidationInfo) -> str:
    context = info.context or {}
    return normalise_phone(value, context.get("default_country", "USA"))


Phone = Annotated[str, AfterValidator(_phone_in_channel_country)]


def _email_contact(value: Any) -> Any:
    """A request may give an additional contact as a bare string (no marketing consent); a bad one
    is then named by its place in the list, as it was sent."""
    if isinstance(value, str):
        refuse_unsafe_characters(value)
        return {"value": normalise_email(value)}
    return value


def _phone_contact(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str):
        refuse_unsafe_characters(value)
        return {"value": _phone_in_channel_country(value, info)}
    return value


class EmailContact(ApiModel):
    value: Email
    marketing_consent: StrictBool = False


class PhoneContact(ApiModel):
    value: Phone
    marketing_consent: StrictBool = False


AttributeValue = StrictBool | StrictInt | StrictFloat | StrictStr


# An additional contact as a request may give it: a bare string or the object.
AdditionalEmail = Annotated[EmailContact, BeforeValidator(_email_contact)]
AdditionalPhone = Annotated[PhoneContact, BeforeValidator(_phone_contact)]

"""Customers and addresses as POS and web checkout send them, and as the channel keeps them."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
)

from shared.domain.channel import CountryCode
from shared.domain.contact import normalise_email, normalise_phone

PENDING_DISPLAY_ACCOUNT_NUMBER = "Pending synchronization"
MAX_ADDRESSES_PER_REQUEST = 20

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=250)]
Email = Annotated[str, AfterValidator(normalise_email)]


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


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AddressCreate(_ApiModel):
    name: ShortText | None = None
    street: AddressLine
    city: ShortText
    state: ShortText | None = None
    zip_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = (
        Field(default=None, alias="zipCode")
    )
    country_region_id: CountryCode = Field(alias="countryRegionId")
    purpose: AddressPurpose = AddressPurpose.HOME
    is_primary: StrictBool = Field(default=False, alias="isPrimary")


class Address(AddressCreate):
    address_id: str = Field(alias="addressId")
    sync_status: SyncStatus = Field(default=SyncStatus.PENDING, alias="syncStatus")

    @classmethod
    def from_request(cls, request: AddressCreate, *, sync_status: SyncStatus, position: int = 0) -> Address:
        return cls(
            address_id=time_ordered_id(position),
            sync_status=sync_status,
            **request.model_dump(),
        )


def time_ordered_id(position: int = 0) -> str:
    """A UUIDv7-style id: ids sort by creation time, and by `position` within one request, so a
    customer's addresses read back in the order they were given."""
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (position & 0xFFF) << 64
    value |= 0b10 << 62  # RFC 4122 variant
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))


def _phone_in_channel_country(value: str, info: ValidationInfo) -> str:
    context = info.context or {}
    return normalise_phone(value, context.get("default_country", "USA"))


Phone = Annotated[str, AfterValidator(_phone_in_channel_country)]


class CustomerProfile(_ApiModel):
    """Who the customer is; the part of a customer HQ keeps in its customer master."""

    customer_type: CustomerType = Field(default=CustomerType.PERSON, alias="customerType")
    first_name: Name | None = Field(default=None, alias="firstName")
    middle_name: Name | None = Field(default=None, alias="middleName")
    last_name: Name | None = Field(default=None, alias="lastName")
    organization_name: Name | None = Field(default=None, alias="organizationName")
    title: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    additional_emails: list[Email] = Field(default_factory=list, max_length=10, alias="additionalEmails")
    additional_phones: list[Phone] = Field(default_factory=list, max_length=10, alias="additionalPhones")
    affiliations: list[ShortText] = Field(default_factory=list, max_length=20)

    def missing_names(self) -> list[str]:
        """The name fields its customer type requires but the request left out."""
        required: list[tuple[str, str | None]] = (
            [("firstName", self.first_name), ("lastName", self.last_name)]
            if self.customer_type is CustomerType.PERSON
            else [("organizationName", self.organization_name)]
        )
        return [alias for alias, value in required if value is None]

    def enhanced_fields_present(self) -> list[str]:
        """Fields only enhanced async customer creation (10.0.24) lets an async customer carry."""
        present = []
        if self.title is not None:
            present.append("title")
        if self.affiliations:
            present.append("affiliations")
        if self.additional_emails:
            present.append("additionalEmails")
        if self.additional_phones:
            present.append("additionalPhones")
        return present


class CustomerUpdate(_ApiModel):
    """Body of `PATCH .../customers/{ref}`: only the fields sent change; `null` clears a field."""

    customer_type: CustomerType | None = Field(default=None, alias="customerType")
    first_name: Name | None = Field(default=None, alias="firstName")
    middle_name: Name | None = Field(default=None, alias="middleName")
    last_name: Name | None = Field(default=None, alias="lastName")
    organization_name: Name | None = Field(default=None, alias="organizationName")
    title: ShortText | None = None
    email: Email | None = None
    phone: Phone | None = None
    additional_emails: list[Email] | None = Field(default=None, max_length=10, alias="additionalEmails")
    additional_phones: list[Phone] | None = Field(default=None, max_length=10, alias="additionalPhones")
    affiliations: list[ShortText] | None = Field(default=None, max_length=20)

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by model field name; lists sent as null become empty."""
        changed = self.model_dump(exclude_unset=True)
        for name in ("additional_emails", "additional_phones", "affiliations"):
            if name in changed and changed[name] is None:
                changed[name] = []
        if changed.get("customer_type") is None:
            changed.pop("customer_type", None)
        return changed

    def applied_to(self, profile: CustomerProfile) -> CustomerProfile:
        return CustomerProfile.model_validate({**profile.model_dump(), **self.changes()})


class CustomerCreate(CustomerProfile):
    """Body of `POST /channels/{id}/customers`."""

    customer_id: uuid.UUID | None = Field(default=None, alias="customerId")
    addresses: list[AddressCreate] = Field(default_factory=list, max_length=MAX_ADDRESSES_PER_REQUEST)

    def profile(self) -> CustomerProfile:
        return CustomerProfile.model_construct(
            **{name: getattr(self, name) for name in CustomerProfile.model_fields},
        )

    def fingerprint(self) -> str:
        """Hash of what the client asked for, so a retry can be told from a different request."""
        body = self.model_dump(mode="json", exclude={"customer_id"})
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class CustomerRecord(BaseModel):
    """The channel's copy of a customer: the profile plus where it stands in synchronization."""

    customer_id: str
    channel_id: str
    profile: CustomerProfile
    sync_status: SyncStatus
    creation_mode: CreationMode
    fallback_reason: FallbackReason | None = None
    account_number: str | None = None
    created_at: datetime
    synced_at: datetime | None = None
    request_fingerprint: str = ""
    edit_count: int = 0
    version: str | None = None

    @property
    def is_pending(self) -> bool:
        return self.sync_status is SyncStatus.PENDING


class CustomerPublic(_ApiModel):
    """A customer as every API response shows it."""

    customer_id: str = Field(alias="customerId")
    account_number: str | None = Field(alias="accountNumber")
    display_account_number: str = Field(alias="displayAccountNumber")
    sync_status: SyncStatus = Field(alias="syncStatus")
    creation_mode: CreationMode = Field(alias="creationMode")
    fallback_reason: FallbackReason | None = Field(alias="fallbackReason")
    channel_id: str = Field(alias="channelId")
    customer_type: CustomerType = Field(alias="customerType")
    first_name: str | None = Field(alias="firstName")
    middle_name: str | None = Field(alias="middleName")
    last_name: str | None = Field(alias="lastName")
    organization_name: str | None = Field(alias="organizationName")
    title: str | None
    email: str | None
    phone: str | None
    additional_emails: list[str] = Field(alias="additionalEmails")
    additional_phones: list[str] = Field(alias="additionalPhones")
    affiliations: list[str]
    addresses: list[Address]
    created_at: datetime = Field(alias="createdAt")
    synced_at: datetime | None = Field(alias="syncedAt")
    version: str | None

    @classmethod
    def of(cls, record: CustomerRecord, addresses: list[Address]) -> CustomerPublic:
        profile: dict[str, Any] = record.profile.model_dump()
        return cls(
            customer_id=record.customer_id,
            account_number=record.account_number,
            display_account_number=record.account_number or PENDING_DISPLAY_ACCOUNT_NUMBER,
            sync_status=record.sync_status,
            creation_mode=record.creation_mode,
            fallback_reason=record.fallback_reason,
            channel_id=record.channel_id,
            addresses=addresses,
            created_at=record.created_at,
            synced_at=record.synced_at,
            version=record.version,
            **profile,
        )

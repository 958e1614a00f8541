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
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
)

from shared.domain.attributes import MAX_DEFINITIONS
from shared.domain.channel import CountryCode, CurrencyCode, LanguageTag, ReceiptPreference
from shared.domain.contact import normalise_email, normalise_phone
from shared.domain.identifiers import ClientCustomerId
from shared.domain.models import ApiModel, all_optional
from shared.domain.paging import Page
from shared.domain.text import SAFE_TEXT, line, refuse_unsafe_characters

PENDING_DISPLAY_ACCOUNT_NUMBER = "Pending synchronization"
MAX_ADDRESSES_PER_REQUEST = 20
EMBEDDED_ADDRESSES = 20  # a customer shows its first 20 addresses; `.../addresses` pages through all

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


class AddressCreate(ApiModel):
    """An address as a client sends it; `Address` adds what the channel assigns."""

    name: ShortText | None = None
    street: AddressLine
    city: ShortText
    state: ShortText | None = None
    zip_code: ZipCode | None = None
    country_region_id: CountryCode
    purpose: AddressPurpose = AddressPurpose.HOME
    is_primary: StrictBool = False


class Address(AddressCreate):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    address_id: str
    sync_status: SyncStatus = SyncStatus.PENDING

    @classmethod
    def from_request(cls, request: AddressCreate, *, sync_status: SyncStatus, position: int = 0) -> Address:
        return cls(
            address_id=time_ordered_id(position),
            sync_status=sync_status,
            **request.model_dump(),
        )


def same_place(one: AddressCreate, other: AddressCreate) -> bool:
    """Two addresses the customer would call the same one: every field alike but which is primary.
    Linking and merging add an address only when the survivor has no address in the same place."""
    ignored = {"is_primary", "address_id", "sync_status"}
    return one.model_dump(exclude=ignored) == other.model_dump(exclude=ignored)


class AddressPage(Page[Address]):
    """Body of `GET .../customers/{ref}/addresses`."""


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


class CustomerProfile(ApiModel):
    """Who the customer is: every field a client may send and HQ keeps in its customer master.

    The one place a customer field is declared: `CustomerCreate` and `CustomerPublic` inherit it,
    `CustomerUpdate` derives an optional copy, the channel and HQ store the profile whole.
    """

    customer_type: CustomerType = CustomerType.PERSON
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name: Name | None = None
    organization_name: Name | None = None
    title: ShortText | None = None
    email: Email | None = None
    email_verified: StrictBool = Field(
        default=False,
        description=(
            "The channel vouches that the customer proved they own `email` (a web shopper signed in "
            "with a verified e-mail, a code sent and typed back). Only an e-mail verified on both "
            "customers links them under DUPLICATE_POLICY=link. Changing `email` without sending it "
            "again makes it false"
        ),
    )
    phone: Phone | None = None
    additional_emails: list[Annotated[EmailContact, BeforeValidator(_email_contact)]] = Field(
        default_factory=list, max_length=10
    )
    additional_phones: list[Annotated[PhoneContact, BeforeValidator(_phone_contact)]] = Field(
        default_factory=list, max_length=10
    )
    affiliations: list[ShortText] = Field(default_factory=list, max_length=20)
    email_marketing_consent: StrictBool = False
    phone_marketing_consent: StrictBool = False
    attributes: dict[str, AttributeValue | None] = Field(
        default_factory=dict,
        max_length=MAX_DEFINITIONS,
        description="Values of the customer attributes HQ defines (`GET /api/customer-attributes`)",
    )
    customer_group: ShortText | None = None
    currency: CurrencyCode | None = None
    language: LanguageTag | None = None
    receipt_preference: ReceiptPreference | None = None

    def missing_fields(self) -> list[tuple[str, str]]:
        """(field, why) for each field the rest of the profile requires but it lacks."""
        kind = self.customer_type.value
        missing = [(name, f"is required for a {kind}") for name in self.missing_names()]
        if self.email_verified and self.email is None:
            missing.append(("email", "is required when emailVerified is true"))
        return missing

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


class CustomerUpdate(all_optional(CustomerProfile, "CustomerProfileChanges")):  # type: ignore[misc]
    """Body of `PATCH .../customers/{ref}`: only the fields sent change; `null` clears a field."""

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, by model field name; a field sent as null goes back to its
        default (an empty list, false, no value)."""
        changed: dict[str, Any] = self.model_dump(exclude_unset=True)
        if changed.get("customer_type", "") is None:  # a customer always has a type
            del changed["customer_type"]
        for name, info in CustomerProfile.model_fields.items():
            if name in changed and changed[name] is None:
                changed[name] = info.get_default(call_default_factory=True)
        return changed

    def applied_to(self, profile: CustomerProfile) -> CustomerProfile:
        """Attributes change one by one: those sent are set, those sent as null removed."""
        changed = self.changes()
        if "email_verified" not in changed and changed.get("email", profile.email) != profile.email:
            changed["email_verified"] = False  # a new address is not proven by the old one's proof
        if "attributes" in changed:
            merged = {**profile.attributes, **changed["attributes"]}
            changed["attributes"] = {name: value for name, value in merged.items() if value is not None}
        return CustomerProfile.model_validate({**profile.model_dump(), **changed})


class CustomerCreate(CustomerProfile):
    """Body of `POST /channels/{id}/customers`."""

    customer_id: ClientCustomerId | None = None
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
    # DUPLICATE_POLICY=link bound this customer to an HQ customer another record holds.
    linked_to_existing: bool = False
    # A merge folded this customer into the survivor with this account number.
    merged_into: str | None = None
    merged_account_numbers: list[str] = Field(default_factory=list)

    @property
    def is_pending(self) -> bool:
        return self.sync_status is SyncStatus.PENDING

    @property
    def redirects(self) -> bool:
        """Its changes belong to another record: the HQ customer it was linked or merged into."""
        return self.linked_to_existing or self.merged_into is not None


class CustomerPublic(CustomerProfile):
    """A customer as every API response shows it: the profile and where it stands in sync."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    customer_id: str
    account_number: str | None
    display_account_number: str
    sync_status: SyncStatus
    creation_mode: CreationMode
    fallback_reason: FallbackReason | None
    channel_id: str
    addresses: list[Address] = Field(max_length=EMBEDDED_ADDRESSES)
    address_count: int
    created_at: datetime
    synced_at: datetime | None
    version: str | None
    linked_to_existing: bool = Field(
        description="Bound to an HQ customer that existed already (DUPLICATE_POLICY=link)"
    )
    merged_account_numbers: list[str] = Field(
        description="Account numbers of HQ customers merged into this one; they resolve to it"
    )

    @classmethod
    def of(cls, record: CustomerRecord, addresses: list[Address], *, address_count: int) -> CustomerPublic:
        """`addresses` are the first EMBEDDED_ADDRESSES; the rest are paged from `.../addresses`."""
        return cls.model_construct(
            customer_id=record.customer_id,
            account_number=record.account_number,
            display_account_number=record.account_number or PENDING_DISPLAY_ACCOUNT_NUMBER,
            sync_status=record.sync_status,
            creation_mode=record.creation_mode,
            fallback_reason=record.fallback_reason,
            channel_id=record.channel_id,
            addresses=addresses[:EMBEDDED_ADDRESSES],
            address_count=address_count,
            created_at=record.created_at,
            synced_at=record.synced_at,
            version=record.version,
            linked_to_existing=record.linked_to_existing,
            merged_account_numbers=list(record.merged_account_numbers),
            **dict(record.profile),
        )


class CustomerPage(Page[CustomerPublic]):
    """Body of `GET .../customers?search=`: one page of matches and where the next one starts."""

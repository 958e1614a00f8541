"""Who the customer is (the profile), how a PATCH changes it, and the create command."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import Field, StrictBool

from shared.domain.address import AddressCreate
from shared.domain.attributes import MAX_DEFINITIONS
from shared.domain.channel import CurrencyCode, LanguageTag, ReceiptPreference
from shared.domain.identifiers import ClientCustomerId
from shared.domain.models import ApiModel, all_optional
from shared.domain.values import (
    AdditionalEmail,
    AdditionalPhone,
    AttributeValue,
    CustomerType,
    Email,
    Name,
    Phone,
    ShortText,
)

MAX_ADDRESSES_PER_REQUEST = 20


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
    additional_emails: list[AdditionalEmail] = Field(default_factory=list, max_length=10)
    additional_phones: list[AdditionalPhone] = Field(default_factory=list, max_length=10)
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

"""A channel (store or online store) and its functionality profile, as in Dynamics 365 Commerce."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, StrictBool

from shared.domain.countries import normalise_alpha3, normalise_currency, normalise_language_tag
from shared.domain.identifiers import CHANNEL_ID_PATTERN, is_valid_channel_id
from shared.domain.models import ApiModel, all_optional
from shared.domain.text import SAFE_TEXT, line

__all__ = ["CHANNEL_ID_PATTERN", "Channel", "ChannelKind", "ChannelUpsert", "is_valid_channel_id"]

CountryCode = Annotated[str, AfterValidator(normalise_alpha3)]
ChannelName = Annotated[str, line(100), SAFE_TEXT]
CurrencyCode = Annotated[str, AfterValidator(normalise_currency)]
LanguageTag = Annotated[str, AfterValidator(normalise_language_tag)]


class ChannelKind(StrEnum):
    """What a channel's keys may reach. A store's tills serve any returning customer; a web
    checkout's key sits on an internet-facing server, so it reaches only its own customers."""

    STORE = "Store"
    ONLINE = "Online"


class ReceiptPreference(StrEnum):
    PRINT = "Print"
    EMAIL = "Email"
    BOTH = "Both"
    NONE = "None"


class CustomerDefaults(ApiModel):
    """What D365 copies from a store's default customer into each customer the store creates,
    unless the request gives it."""

    customer_group: Annotated[str, line(60), SAFE_TEXT] | None = None
    currency: CurrencyCode | None = None
    language: LanguageTag | None = None
    receipt_preference: ReceiptPreference | None = None


class ChannelProfile(ApiModel):
    """A channel's name, default country and functionality profile, declared once:
    `Channel` adds its id, `ChannelUpsert` is the optional copy a `PUT` sends."""

    name: ChannelName
    kind: ChannelKind = Field(
        default=ChannelKind.STORE,
        description="Store: its keys search every channel's synced customers and read or change them, "
        "as a till does. Online: its keys create customers and reach only those created through this "
        "channel (by their GUID, or by the account number of one HQ created for it); a search is 403 "
        "and any other customer 404",
    )
    default_country: CountryCode = "USA"
    async_customer_creation: StrictBool = False
    enhanced_async_customers: StrictBool = True
    async_customer_addresses: StrictBool = True
    filter_shared_customer_tables: StrictBool = False
    async_customer_edits: StrictBool = False
    customer_defaults: CustomerDefaults = Field(default_factory=CustomerDefaults)


class ChannelUpsert(all_optional(ChannelProfile, "ChannelProfileChanges")):  # type: ignore[misc]
    """Body of `PUT /channels/{id}`: every field optional; omitted fields keep their value (or default)."""


class Channel(ChannelProfile):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    channel_id: str

    @classmethod
    def new(cls, channel_id: str, changes: ChannelUpsert) -> Channel:
        values = changes.model_dump(exclude_none=True)
        values.setdefault("name", channel_id)
        return cls(channel_id=channel_id, **values)

    def updated(self, changes: ChannelUpsert) -> Channel:
        """A field left out keeps its value. `customerDefaults` merges key by key: a key left out
        keeps its value, a key sent as null is cleared, and `"customerDefaults": null` clears all.
        Validated again, so the nested defaults stay a model."""
        values = {**self.model_dump(), **changes.model_dump(exclude_none=True, exclude={"customer_defaults"})}
        if "customer_defaults" in changes.model_fields_set:
            sent = changes.customer_defaults
            values["customer_defaults"] = (
                {}
                if sent is None
                else {**self.customer_defaults.model_dump(), **sent.model_dump(exclude_unset=True)}
            )
        return Channel.model_validate(values)

    def reaches_everyone(self) -> bool:
        """A store's key may find any returning customer; an online one only its own."""
        return self.kind is ChannelKind.STORE

    def public(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)

"""A channel (store or online store) and its functionality profile, as in Dynamics 365 Commerce."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, ConfigDict, StrictBool

from shared.domain.countries import normalise_alpha3
from shared.domain.identifiers import CHANNEL_ID_PATTERN, is_valid_channel_id
from shared.domain.models import ApiModel, all_optional
from shared.domain.text import SAFE_TEXT, line

__all__ = ["CHANNEL_ID_PATTERN", "Channel", "ChannelUpsert", "is_valid_channel_id"]

CountryCode = Annotated[str, AfterValidator(normalise_alpha3)]
ChannelName = Annotated[str, line(100), SAFE_TEXT]


class ChannelProfile(ApiModel):
    """A channel's name, default country and functionality profile (contract §1), declared once:
    `Channel` adds its id, `ChannelUpsert` is the optional copy a `PUT` sends."""

    name: ChannelName
    default_country: CountryCode = "USA"
    async_customer_creation: StrictBool = False
    enhanced_async_customers: StrictBool = True
    async_customer_addresses: StrictBool = True
    filter_shared_customer_tables: StrictBool = False
    async_customer_edits: StrictBool = False


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
        return self.model_copy(update=changes.model_dump(exclude_none=True))

    def public(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)

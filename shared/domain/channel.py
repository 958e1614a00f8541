"""A channel (store or online store) and its functionality profile, as in Dynamics 365 Commerce."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shared.domain.countries import normalise_alpha3

CHANNEL_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

CountryCode = Annotated[str, AfterValidator(normalise_alpha3)]
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def is_valid_channel_id(channel_id: str) -> bool:
    return bool(CHANNEL_ID_PATTERN.fullmatch(channel_id))


class _ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ChannelUpsert(_ApiModel):
    """Body of `PUT /channels/{id}`: every field optional; omitted fields keep their value (or default)."""

    name: ChannelName | None = None
    default_country: CountryCode | None = Field(default=None, alias="defaultCountry")
    async_customer_creation: StrictBool | None = Field(default=None, alias="asyncCustomerCreation")
    enhanced_async_customers: StrictBool | None = Field(default=None, alias="enhancedAsyncCustomers")
    async_customer_addresses: StrictBool | None = Field(default=None, alias="asyncCustomerAddresses")
    filter_shared_customer_tables: StrictBool | None = Field(default=None, alias="filterSharedCustomerTables")
    async_customer_edits: StrictBool | None = Field(default=None, alias="asyncCustomerEdits")


class Channel(_ApiModel):
    channel_id: str = Field(alias="channelId")
    name: str
    default_country: str = Field(default="USA", alias="defaultCountry")
    async_customer_creation: bool = Field(default=False, alias="asyncCustomerCreation")
    enhanced_async_customers: bool = Field(default=True, alias="enhancedAsyncCustomers")
    async_customer_addresses: bool = Field(default=True, alias="asyncCustomerAddresses")
    filter_shared_customer_tables: bool = Field(default=False, alias="filterSharedCustomerTables")
    async_customer_edits: bool = Field(default=False, alias="asyncCustomerEdits")

    @classmethod
    def new(cls, channel_id: str, changes: ChannelUpsert) -> Channel:
        values = changes.model_dump(exclude_none=True)
        values.setdefault("name", channel_id)
        return cls(channel_id=channel_id, **values)

    def updated(self, changes: ChannelUpsert) -> Channel:
        return self.model_copy(update=changes.model_dump(exclude_none=True))

    def public(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)

"""Addresses as POS and web checkout send them, and as the channel keeps them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from pydantic import ConfigDict, StrictBool

from shared.domain.channel import CountryCode
from shared.domain.models import ApiModel
from shared.domain.paging import Page
from shared.domain.values import AddressLine, AddressPurpose, ShortText, SyncStatus, ZipCode


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
    def from_request(
        cls, request: AddressCreate, *, sync_status: SyncStatus, at: datetime, position: int = 0
    ) -> Address:
        """`at` is the injected clock's time: ids sort by it, as the customer's other rows do."""
        return cls(
            address_id=time_ordered_id(at, position),
            sync_status=sync_status,
            **request.model_dump(),
        )


def same_place(one: AddressCreate, other: AddressCreate) -> bool:
    """Two addresses the customer would call the same one: every field alike but which is primary.
    Linking and merging add an address only when the survivor has no address in the same place."""
    ignored = {"is_primary", "address_id", "sync_status"}
    return one.model_dump(exclude=ignored) == other.model_dump(exclude=ignored)


def places_to_add(held: list[Address], offered: list[Address]) -> list[Address]:
    """The offered addresses a customer gains: each unless one in the same place is there already
    (held, or offered before it). Keyed by id, so offering an address it has changes nothing."""
    new: list[Address] = []
    for address in offered:
        others = [other for other in held + new if other.address_id != address.address_id]
        if not any(same_place(address, other) for other in others):
            new.append(address)
    return new


class AddressPage(Page[Address]):
    """Body of `GET .../customers/{ref}/addresses`."""


def time_ordered_id(at: datetime, position: int = 0) -> str:
    """A UUIDv7-style id: ids sort by creation time, and by `position` within one request, so a
    customer's addresses read back in the order they were given."""
    milliseconds = int(at.timestamp() * 1000)
    value = (milliseconds & (2**48 - 1)) << 80
    value |= 0x7 << 76  # version 7
    value |= (position & 0xFFF) << 64
    value |= 0b10 << 62  # RFC 4122 variant
    value |= secrets.randbits(62)
    return str(uuid.UUID(int=value))

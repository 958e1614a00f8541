"""The shapes of the ids clients send and see, written once: channel ids, account numbers, GUIDs."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

CHANNEL_ID = r"[a-z0-9][a-z0-9-]{1,62}"
ACCOUNT_NUMBER = r"[A-Za-z0-9._-]{1,64}"
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

CHANNEL_ID_PATTERN = re.compile(f"^{CHANNEL_ID}$")
ACCOUNT_NUMBER_PATTERN = re.compile(f"^{ACCOUNT_NUMBER}$")
GUID_PATTERN = re.compile(f"^{GUID}$")

ChannelId = Annotated[str, StringConstraints(pattern=CHANNEL_ID_PATTERN.pattern)]


def is_valid_channel_id(channel_id: str) -> bool:
    return bool(CHANNEL_ID_PATTERN.fullmatch(channel_id))


def is_guid(text: str) -> bool:
    return bool(GUID_PATTERN.fullmatch(text))


def is_account_number_shaped(text: str) -> bool:
    return bool(ACCOUNT_NUMBER_PATTERN.fullmatch(text))


RANDOM_UUID_VERSIONS = (4, 7)


def random_uuid(value: uuid.UUID) -> uuid.UUID:
    """A client-chosen customer id must be random (RFC 9562 version 4 or 7): the nil and max UUIDs
    and hand-made versions would let a client pick where its customers sort."""
    if value.variant != uuid.RFC_4122 or value.version not in RANDOM_UUID_VERSIONS:
        raise ValueError("must be an RFC 9562 UUID of version 4 or 7")
    return value


ClientCustomerId = Annotated[uuid.UUID, AfterValidator(random_uuid)]

"""Who may call what: the admin key, and channel keys that open exactly one channel.

A channel key reads `ck.<channelId>.<keyId>.<secret>`: the channel and key id tell where its salted
hash is stored; only the secret is checked, in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from shared.domain.identifiers import CHANNEL_ID
from shared.domain.models import ApiModel

KEY_PREFIX = "ck"
_KEY_SHAPE = re.compile(rf"^ck\.({CHANNEL_ID})\.([0-9a-f]{{32}})\.([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class PresentedChannelKey:
    channel_id: str
    key_id: str
    secret: str


@dataclass(frozen=True)
class NewChannelKey:
    channel_id: str
    key_id: str
    key: str
    salt: bytes
    secret_hash: bytes


def hash_secret(secret: str, salt: bytes) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def new_channel_key(channel_id: str) -> NewChannelKey:
    key_id = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    return NewChannelKey(
        channel_id=channel_id,
        key_id=key_id,
        key=f"{KEY_PREFIX}.{channel_id}.{key_id}.{secret}",
        salt=salt,
        secret_hash=hash_secret(secret, salt),
    )


def parse_channel_key(token: str) -> PresentedChannelKey | None:
    match = _KEY_SHAPE.fullmatch(token)
    if match is None:
        return None
    return PresentedChannelKey(*match.groups())


def secret_matches(presented: PresentedChannelKey, *, salt: bytes, secret_hash: bytes) -> bool:
    return hmac.compare_digest(hash_secret(presented.secret, salt), secret_hash)


def is_admin_token(token: str, admin_api_key: str | None) -> bool:
    return bool(admin_api_key) and hmac.compare_digest(token.encode(), str(admin_api_key).encode())


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class IssuedKey(ApiModel):
    """A channel key as issued: shown this once, kept only as a salted hash."""

    key_id: str
    key: str

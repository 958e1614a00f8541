"""Checks every request's bearer token against the admin key or the channel's keys."""

from __future__ import annotations

from shared.domain.access import (
    IssuedKey,
    bearer_token,
    is_admin_token,
    new_channel_key,
    parse_channel_key,
    secret_matches,
)
from shared.domain.errors import Forbidden, NotFound, Unauthorized
from shared.services.channels import require_channel
from shared.services.dependencies import Dependencies
from shared.storage.ports import StoredKey


def require_admin(dependencies: Dependencies, *, authorization: str | None) -> None:
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <admin key>'")
    if is_admin_token(token, dependencies.settings.admin_api_key):
        return
    if _is_genuine_channel_key(dependencies, token):
        raise Forbidden("Channel keys cannot call admin endpoints")
    raise Unauthorized("The admin key is not valid")


def presents_admin_key(dependencies: Dependencies, *, authorization: str | None) -> bool:
    """On a route anyone may call: whether the caller is ops (anything else is simply anonymous)."""
    token = bearer_token(authorization)
    return token is not None and is_admin_token(token, dependencies.settings.admin_api_key)


def require_any_key(dependencies: Dependencies, *, authorization: str | None) -> None:
    """HQ-wide reads every till needs (the attribute definitions): the admin key or any channel's key."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <channel key or admin key>'")
    if is_admin_token(token, dependencies.settings.admin_api_key) or _is_genuine_channel_key(
        dependencies, token
    ):
        return
    raise Unauthorized("The key is not valid")


def require_channel_access(
    dependencies: Dependencies,
    *,
    authorization: str | None,
    channel_id: str,
    admin_allowed: bool = False,
) -> None:
    """A genuine key of this channel passes; a genuine key of another channel is forbidden."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <channel key>'")
    if admin_allowed and is_admin_token(token, dependencies.settings.admin_api_key):
        return
    presented = parse_channel_key(token)
    if presented is None or not _is_genuine_channel_key(dependencies, token):
        raise Unauthorized("The channel key is not valid")
    if presented.channel_id != channel_id:
        raise Forbidden(f"This key belongs to another channel than '{channel_id}'")


def _is_genuine_channel_key(dependencies: Dependencies, token: str) -> bool:
    presented = parse_channel_key(token)
    if presented is None:
        return False
    stored = dependencies.channel_keys.get(presented.channel_id, presented.key_id)
    return stored is not None and secret_matches(presented, salt=stored.salt, secret_hash=stored.secret_hash)


def issue_channel_key(dependencies: Dependencies, *, channel_id: str) -> IssuedKey:
    """A new key for the channel; the key itself is returned this once and never stored."""
    require_channel(dependencies, channel_id)
    key = new_channel_key(channel_id)
    dependencies.channel_keys.add(StoredKey(key.channel_id, key.key_id, key.salt, key.secret_hash))
    return IssuedKey(key_id=key.key_id, key=key.key)


def revoke_channel_key(dependencies: Dependencies, *, channel_id: str, key_id: str) -> None:
    require_channel(dependencies, channel_id)
    if not dependencies.channel_keys.remove(channel_id, key_id):
        raise NotFound(f"Channel '{channel_id}' has no key '{key_id}'")

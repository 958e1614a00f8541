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
from shared.domain.errors import DomainError, Forbidden, KeySuspended, NotFound, RoleRequired, Unauthorized
from shared.domain.roles import ADMIN_KEY_HOLDER, Actor, Role, looks_like_jwt
from shared.services.channels import require_channel
from shared.services.dependencies import Dependencies
from shared.storage.ports import StoredKey


def require_role(dependencies: Dependencies, *, authorization: str | None, role: Role) -> Actor:
    """Who may make an admin call: the admin key (every role), or a person whose Entra ID access token
    carries `role`. A channel key is forbidden here; anything else is 401."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <admin key or Entra ID access token>'")
    if is_admin_token(token, dependencies.settings.admin_api_key):
        return ADMIN_KEY_HOLDER
    if looks_like_jwt(token):
        person = dependencies.person_tokens.verify(token)
        if not person.holds(role):
            raise RoleRequired(f"This operation needs the app role '{role.value}'")
        return person
    if _is_genuine_channel_key(dependencies, token):
        raise Forbidden("Channel keys cannot call admin endpoints")
    raise Unauthorized("The admin key is not valid")


def acts_as(dependencies: Dependencies, *, authorization: str | None, role: Role) -> bool:
    """On a route anyone may call: whether the caller holds `role` (anyone else is simply anonymous)."""
    try:
        require_role(dependencies, authorization=authorization, role=role)
    except DomainError:
        return False
    return True


def require_any_key(dependencies: Dependencies, *, authorization: str | None, role: Role) -> Actor | None:
    """HQ-wide reads every till needs (the attribute definitions): any channel's key, or a person
    (or the admin key) with `role`."""
    token = bearer_token(authorization)
    stored = _genuine_key(dependencies, token) if token is not None else None
    if stored is not None:
        _usable(stored)
        return None
    return require_role(dependencies, authorization=authorization, role=role)


def require_channel_access(
    dependencies: Dependencies,
    *,
    authorization: str | None,
    channel_id: str,
    admin_role: Role | None = None,
) -> Actor | str:
    """A genuine key of this channel passes, and its key id is answered; a genuine key of another
    channel is forbidden. With `admin_role`, a person holding it (or the admin key) passes too, and
    is answered."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <channel key>'")
    presented = parse_channel_key(token)
    if admin_role is not None and presented is None:
        return require_role(dependencies, authorization=authorization, role=admin_role)
    stored = _genuine_key(dependencies, token) if presented is not None else None
    if presented is None or stored is None:
        raise Unauthorized("The channel key is not valid")
    if presented.channel_id != channel_id:
        raise Forbidden(f"This key belongs to another channel than '{channel_id}'")
    _usable(stored)
    return presented.key_id


def _is_genuine_channel_key(dependencies: Dependencies, token: str) -> bool:
    return _genuine_key(dependencies, token) is not None


def _genuine_key(dependencies: Dependencies, token: str) -> StoredKey | None:
    presented = parse_channel_key(token)
    if presented is None:
        return None
    stored = dependencies.channel_keys.get(presented.channel_id, presented.key_id)
    genuine = stored is not None and secret_matches(
        presented, salt=stored.salt, secret_hash=stored.secret_hash
    )
    return stored if genuine else None


def _usable(stored: StoredKey) -> None:
    if stored.suspended_at is not None:
        raise KeySuspended(
            f"Key {stored.key_id} is suspended since {stored.suspended_at.isoformat()}: it read more "
            "distinct customers in an hour than any till does; an admin reinstates or revokes it"
        )


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

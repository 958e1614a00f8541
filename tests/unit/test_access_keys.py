"""Channel keys: shape, salted hashing and constant-time checks."""

from __future__ import annotations

from shared.domain.access import (
    bearer_token,
    is_admin_token,
    new_channel_key,
    parse_channel_key,
    secret_matches,
)


def test_new_key_is_only_stored_as_salted_hash() -> None:
    issued = new_channel_key("store-042")
    presented = parse_channel_key(issued.key)
    assert presented is not None
    assert presented.channel_id == "store-042" and presented.key_id == issued.key_id
    assert presented.secret.encode() not in issued.secret_hash
    assert secret_matches(presented, salt=issued.salt, secret_hash=issued.secret_hash)


def test_two_keys_never_share_salt_or_hash() -> None:
    first, second = new_channel_key("store-1"), new_channel_key("store-1")
    assert first.salt != second.salt and first.secret_hash != second.secret_hash


def test_tampered_secret_does_not_match() -> None:
    issued = new_channel_key("store-1")
    tampered = parse_channel_key(issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B"))
    assert tampered is not None
    assert not secret_matches(tampered, salt=issued.salt, secret_hash=issued.secret_hash)


def test_malformed_tokens_are_not_channel_keys() -> None:
    for token in ["", "ck.store-1", "ck.STORE.abc.def", "Bearer x", "ck.store-1.zz.secret"]:
        assert parse_channel_key(token) is None


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_admin_token_needs_a_configured_key() -> None:
    assert is_admin_token("secret", "secret")
    assert not is_admin_token("secret", "other")
    assert not is_admin_token("", None)

from __future__ import annotations

import pytest

from shared.domain.account_number import format_account_number
from shared.settings import Settings


def test_default_format_is_nine_digits_with_prefix() -> None:
    assert format_account_number(42, "C{number:09d}") == "C000000042"


def test_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        format_account_number(0, "C{number:09d}")


def test_settings_reject_a_format_without_number() -> None:
    with pytest.raises(ValueError):
        Settings(CUSTOMER_ACCOUNT_FORMAT="C{count}")


SECRETS = {"MATCH_INDEX_SECRET": "m" * 32, "WEBHOOK_SECRETS_KEY": "w" * 32}


def test_deployed_app_refuses_to_start_without_a_real_admin_key() -> None:
    from shared.settings import UnsafeSettings, check_startup_settings

    azure = {"WEBSITE_INSTANCE_ID": "abc"}
    for key in (None, "", "dev-admin-key", "short"):
        environ = dict(azure, **({"ADMIN_API_KEY": key} if key is not None else {}))
        with pytest.raises(UnsafeSettings):
            check_startup_settings(environ)
    check_startup_settings(dict(azure, ADMIN_API_KEY="a-long-enough-secret-key", **SECRETS))
    unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/admin-api-key/)"
    with pytest.raises(UnsafeSettings, match="Key Vault reference"):
        check_startup_settings(dict(azure, ADMIN_API_KEY=unresolved))
    check_startup_settings({})  # local runs use the default key


def test_deployed_app_refuses_to_hash_match_keys_without_a_secret_of_its_own() -> None:
    from shared.settings import UnsafeSettings, check_startup_settings

    azure = {
        "WEBSITE_INSTANCE_ID": "abc",
        "ADMIN_API_KEY": "a-long-enough-secret-key",
        "WEBHOOK_SECRETS_KEY": "w" * 32,
    }
    unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/match-index-secret/)"
    for secret in (None, "too-short", unresolved):
        environ = dict(azure, **({"MATCH_INDEX_SECRET": secret} if secret is not None else {}))
        with pytest.raises(UnsafeSettings, match="MATCH_INDEX_SECRET"):
            check_startup_settings(environ)
    check_startup_settings(dict(azure, DUPLICATE_POLICY="off"))  # no index, no secret needed
    check_startup_settings(dict(azure, MATCH_INDEX_SECRET="s" * 32))


def test_deployed_app_refuses_to_seal_webhook_secrets_without_a_key_or_to_call_local_webhooks() -> None:
    from shared.settings import UnsafeSettings, check_startup_settings

    azure = {"WEBSITE_INSTANCE_ID": "abc", "ADMIN_API_KEY": "a-long-enough-secret-key", **SECRETS}
    for key in ("", "too-short", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/w/)"):
        with pytest.raises(UnsafeSettings, match="WEBHOOK_SECRETS_KEY"):
            check_startup_settings(dict(azure, WEBHOOK_SECRETS_KEY=key))
    with pytest.raises(UnsafeSettings, match="ALLOW_LOCAL_WEBHOOKS"):
        check_startup_settings(dict(azure, ALLOW_LOCAL_WEBHOOKS="true"))
    check_startup_settings(azure)
    check_startup_settings({"ALLOW_LOCAL_WEBHOOKS": "true"})  # a local run may


def test_duplicate_policy_is_flag_by_default_and_refuses_what_it_does_not_offer() -> None:
    from shared.domain.duplicates import DuplicatePolicy

    assert Settings().duplicate_policy is DuplicatePolicy.FLAG
    assert Settings(DUPLICATE_POLICY="off").duplicate_policy is DuplicatePolicy.OFF
    assert Settings(DUPLICATE_POLICY="link").duplicate_policy is DuplicatePolicy.LINK
    with pytest.raises(ValueError, match="DUPLICATE_POLICY"):
        Settings(DUPLICATE_POLICY="merge")


def test_entra_id_ingestion_uses_the_managed_identity_the_deployment_names() -> None:
    from azure.identity import ManagedIdentityCredential

    from shared.telemetry import _ingestion_credential

    assert _ingestion_credential("") is None
    assert _ingestion_credential("Authorization=Key") is None
    credential = _ingestion_credential("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD")
    assert isinstance(credential, ManagedIdentityCredential)

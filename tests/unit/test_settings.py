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


def test_deployed_app_refuses_to_start_without_a_real_admin_key() -> None:
    from shared.settings import UnsafeSettings, check_startup_settings

    azure = {"WEBSITE_INSTANCE_ID": "abc"}
    for key in (None, "", "dev-admin-key", "short"):
        environ = dict(azure, **({"ADMIN_API_KEY": key} if key is not None else {}))
        with pytest.raises(UnsafeSettings):
            check_startup_settings(environ)
    check_startup_settings(dict(azure, ADMIN_API_KEY="a-long-enough-secret-key"))
    unresolved = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/admin-api-key/)"
    with pytest.raises(UnsafeSettings, match="Key Vault reference"):
        check_startup_settings(dict(azure, ADMIN_API_KEY=unresolved))
    check_startup_settings({})  # local runs use the default key

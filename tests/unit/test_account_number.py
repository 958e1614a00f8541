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

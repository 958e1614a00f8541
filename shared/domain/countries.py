"""ISO 3166-1 country codes (the contract speaks alpha-3, phone parsing needs alpha-2), ISO 4217
currencies and BCP 47 language tags."""

from __future__ import annotations

from functools import lru_cache

import langcodes
import pycountry


@lru_cache(maxsize=512)
def alpha2_for(alpha3: str) -> str | None:
    """The alpha-2 code of a real ISO 3166-1 alpha-3 code, or None when the code does not exist."""
    if len(alpha3) != 3 or not alpha3.isascii() or not alpha3.isalpha():
        return None
    country = pycountry.countries.get(alpha_3=alpha3.upper())
    return country.alpha_2 if country else None


def normalise_alpha3(value: str) -> str:
    """Upper-cases a country code and checks it against the ISO list; raises ValueError otherwise."""
    code = value.strip().upper()
    if alpha2_for(code) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-3 country code")
    return code


def normalise_currency(value: str) -> str:
    """An ISO 4217 currency code, upper-cased; raises ValueError otherwise."""
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code


def normalise_language_tag(value: str) -> str:
    """A well-formed, registered BCP 47 language tag in its standard case ("en-GB", "zh-Hant")."""
    text = value.strip()
    if not text or len(text) > 35 or not text.isascii() or not langcodes.tag_is_valid(text):
        raise ValueError(f"'{value}' is not a BCP 47 language tag")
    return str(langcodes.standardize_tag(text, macro=False))

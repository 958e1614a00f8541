"""Normalisation of e-mail addresses and phone numbers, so search and duplicates compare equal values."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from shared.domain.countries import alpha2_for

MAX_EMAIL_LENGTH = 254
MAX_PHONE_INPUT_LENGTH = 40


def normalise_email(value: str) -> str:
    """A syntactically valid address with its domain lower-cased; raises ValueError otherwise."""
    text = value.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise ValueError(f"must be at most {MAX_EMAIL_LENGTH} characters")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid e-mail address: {error}") from None


def normalise_phone(value: str, default_country: str) -> str:
    """E.164 form; a number without a country code is read in the channel's default country."""
    text = value.strip()
    if not text or len(text) > MAX_PHONE_INPUT_LENGTH:
        raise ValueError("is not a valid phone number")
    region = alpha2_for(default_country) or "US"
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a valid phone number") from None
    if number.extension:
        raise ValueError("has an extension, which an E.164 number cannot keep")
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"is not a valid phone number (read in {default_country})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

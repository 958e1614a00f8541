"""Which characters a text field refuses, how a channel's defaults change, and how e-mails match."""

from __future__ import annotations

import pytest

from shared.domain.channel import Channel, ChannelUpsert
from shared.domain.duplicates import MatchedOn, match_keys
from shared.domain.profile import CustomerProfile
from shared.domain.text import has_unsafe_characters


@pytest.mark.parametrize(
    "text",
    [
        "A\u200bda",  # zero-width space (Cf)
        "\ufeffAda",  # byte order mark (Cf)
        "Ada\u200e",  # left-to-right mark (Cf)
        "Ada\u00ad",  # soft hyphen (Cf)
        "Ada\U000e0041",  # tag character (Cf)
        "Ada\u2028",  # line separator
        "Ada\u2029",  # paragraph separator
        "Ada\ue000",  # private use
        "Ada\U000f0000",  # supplementary private use
        "Ada\ufffe",
        "Ada\uffff",
        "Ada\ufdd0",
        "Ada\U0001ffff",  # a noncharacter of plane 1
        "Ada\x00",
        "Ada\u202e",
    ],
)
def test_invisible_private_and_non_characters_are_refused(text: str) -> None:
    assert has_unsafe_characters(text)


@pytest.mark.parametrize(
    "text", ["Ada", "Zoë Ångström", "Straße", "Łukasz", "李小龍", "Ada 🙂", "O'Brien-Smith"]
)
def test_names_in_every_script_are_accepted(text: str) -> None:
    assert not has_unsafe_characters(text)


def channel_with_defaults() -> Channel:
    return Channel.new(
        "store-1",
        ChannelUpsert.model_validate(
            {
                "customerDefaults": {
                    "customerGroup": "Retail",
                    "currency": "EUR",
                    "language": "fr-FR",
                    "receiptPreference": "Email",
                }
            }
        ),
    )


def test_a_partial_customer_defaults_change_keeps_the_other_keys() -> None:
    changed = channel_with_defaults().updated(
        ChannelUpsert.model_validate({"customerDefaults": {"currency": "CHF"}})
    )
    assert changed.customer_defaults.model_dump(by_alias=True) == {
        "customerGroup": "Retail",
        "currency": "CHF",
        "language": "fr-FR",
        "receiptPreference": "Email",
    }


def test_a_null_customer_defaults_key_clears_that_key_only() -> None:
    changed = channel_with_defaults().updated(
        ChannelUpsert.model_validate({"customerDefaults": {"language": None}})
    )
    assert changed.customer_defaults.language is None
    assert changed.customer_defaults.currency == "EUR"


def test_a_change_without_customer_defaults_keeps_them_all() -> None:
    changed = channel_with_defaults().updated(ChannelUpsert.model_validate({"name": "Lyon"}))
    assert changed.name == "Lyon"
    assert changed.customer_defaults == channel_with_defaults().customer_defaults


def email_key(email: str) -> str:
    profile = CustomerProfile.model_validate({"firstName": "A", "lastName": "B", "email": email})
    return next(key.value for key in match_keys(profile) if key.matched_on is MatchedOn.EMAIL)


def test_email_match_keys_lower_case_without_unicode_folding() -> None:
    assert email_key("a@straße.de") != email_key("a@strasse.de")  # two mailboxes
    assert email_key("Ada.Lovelace@Example.com") == email_key("ada.lovelace@example.com")

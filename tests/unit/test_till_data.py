"""The till-data rules that need no storage: attribute values against definitions, consent changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.attributes import AttributeDefinition, check_attributes
from shared.domain.consent import ConsentChange, consent_changes, legacy_contact
from shared.domain.profile import CustomerProfile

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def definitions(**kinds: dict[str, Any]) -> dict[str, AttributeDefinition]:
    return {name: AttributeDefinition(name=name, label=name, **spec) for name, spec in kinds.items()}


def test_a_required_attribute_is_required_at_create_only_and_a_retired_one_never() -> None:
    known = definitions(
        asked={"type": "Boolean", "required": True},
        gone={"type": "Boolean", "required": True, "retired": True},
    )
    _, errors = check_attributes({}, known, creating=True)
    assert [error.field for error in errors] == ["attributes.asked"]
    assert check_attributes({}, known, changed=set(), creating=False)[1] == []
    stored, errors = check_attributes({"asked": False}, known, creating=True)
    assert (stored, errors) == ({"asked": False}, [])


@pytest.mark.parametrize(
    ("spec", "good", "stored", "bad"),
    [
        ({"type": "Integer"}, 42, 42, [True, 4.2, "42", 2**63]),
        ({"type": "Decimal"}, "12.50", "12.50", [True, "NaN", "1e999999", "x", None]),
        ({"type": "Decimal"}, 1.5, "1.5", [[1]]),
        ({"type": "Boolean"}, False, False, [0, "false", None]),
        ({"type": "Date"}, "2024-02-29", "2024-02-29", ["2023-02-29", "24-02-01", "2024-2-1", 20240101]),
        ({"type": "Choice", "choices": ["S", "M"]}, "M", "M", ["m", "XL", 1]),
        ({"type": "Text", "maxLength": 3}, "abc", "abc", ["abcd", 3, "a\nb", "a\u202eb"]),
    ],
)
def test_each_type_keeps_good_values_and_names_bad_ones(
    spec: dict[str, Any], good: Any, stored: Any, bad: list[Any]
) -> None:
    known = definitions(value=spec)
    assert check_attributes({"value": good}, known, creating=False) == ({"value": stored}, [])
    for value in bad:
        _, errors = check_attributes({"value": value}, known, creating=False)
        assert [error.field for error in errors] == ["attributes.value"], value


def test_an_edit_checks_only_what_it_sends_so_a_retired_value_stays() -> None:
    known = definitions(old={"type": "Text", "retired": True}, new={"type": "Integer"})
    stored, errors = check_attributes({"old": "kept", "new": 2}, known, changed={"new"}, creating=False)
    assert (stored, errors) == ({"old": "kept", "new": 2}, [])
    _, errors = check_attributes({"old": "changed"}, known, changed={"old"}, creating=False)
    assert [error.field for error in errors] == ["attributes.old"]


def profile(**fields: Any) -> CustomerProfile:
    return CustomerProfile.model_validate({"firstName": "A", "lastName": "B", **fields})


def changed(changes: list[ConsentChange]) -> set[tuple[str, str | None, bool, str | None]]:
    return {(c.contact, c.value, c.marketing_consent, c.reason) for c in changes}


def test_consent_changes_record_consent_given_withdrawn_or_ended_never_a_bare_no() -> None:
    before = profile(
        email="a@example.com",
        emailMarketingConsent=True,
        additionalEmails=["b@example.com"],
        phone="+442079460000",
    )
    assert changed(consent_changes(None, before, channel_id="s", at=NOW)) == {
        ("email", "a@example.com", True, "create")  # no consent is where every contact starts
    }
    assert consent_changes(before, before, channel_id="s", at=NOW) == []
    after = profile(
        email="new@example.com",  # another address: the consent was for the old one
        additionalEmails=[{"value": "c@example.com", "marketingConsent": True}],
        phone="+442079460000",
        phoneMarketingConsent=True,
    )
    changes = consent_changes(before, after, channel_id="web", at=NOW)
    assert {c.channel_id for c in changes} == {"web"}
    assert changed(changes) == {
        ("email", "a@example.com", False, "contact-removed"),
        ("additionalEmails", "c@example.com", True, "edit"),
        ("phone", "+442079460000", True, "edit"),
    }
    gone = profile(phone="+442079460000", phoneMarketingConsent=True)
    assert changed(consent_changes(after, gone, channel_id="s", at=NOW)) == {
        ("additionalEmails", "c@example.com", False, "contact-removed")  # its consent went with it
    }


def test_swapping_additional_contacts_records_each_contacts_own_change() -> None:
    before = profile(
        additionalEmails=[
            {"value": "a1@example.com", "marketingConsent": True},
            {"value": "a2@example.com", "marketingConsent": False},
        ]
    )
    swapped = profile(
        additionalEmails=[
            {"value": "a2@example.com", "marketingConsent": True},
            {"value": "a1@example.com", "marketingConsent": False},
        ]
    )
    assert changed(consent_changes(before, swapped, channel_id="s", at=NOW)) == {
        ("additionalEmails", "a1@example.com", False, "edit"),  # a1's withdrawal is on record
        ("additionalEmails", "a2@example.com", True, "edit"),
    }
    reordered = profile(
        additionalEmails=[
            {"value": "a2@example.com", "marketingConsent": False},
            {"value": "a1@example.com", "marketingConsent": True},
        ]
    )
    assert consent_changes(before, reordered, channel_id="s", at=NOW) == []  # nothing changed
    replaced = profile(additionalEmails=[{"value": "a3@example.com", "marketingConsent": True}])
    assert changed(consent_changes(before, replaced, channel_id="s", at=NOW)) == {
        ("additionalEmails", "a1@example.com", False, "contact-removed"),
        ("additionalEmails", "a3@example.com", True, "edit"),
    }


def test_entries_written_before_values_were_recorded_read_as_their_kind() -> None:
    assert legacy_contact("additionalEmails[3]") == "additionalEmails"
    assert legacy_contact("email") == "email"


def test_a_name_no_attribute_can_have_is_not_echoed_back() -> None:
    _, errors = check_attributes({"bad\nname" * 20: 1}, {}, creating=False)
    assert [error.field for error in errors] == ["attributes"]

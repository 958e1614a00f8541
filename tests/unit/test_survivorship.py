"""What survives a merge or a link: nothing is lost, and a newer withdrawal of consent always wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.consent import ConsentChange
from shared.domain.errors import MergeExceedsLimits
from shared.domain.profile import CustomerProfile
from shared.domain.survivorship import survive

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def profile(**fields: Any) -> CustomerProfile:
    return CustomerProfile.model_validate({"firstName": "Ada", "lastName": "Lovelace", **fields})


def event(contact: str, value: str, consent: bool, minutes: int) -> ConsentChange:
    return ConsentChange(
        contact=contact,
        value=value,
        marketing_consent=consent,
        channel_id="s",
        changed_at=T0 + timedelta(minutes=minutes),
        reason="edit",
    )


def test_the_survivor_keeps_its_values_takes_the_ones_it_lacks_and_lists_the_conflicts() -> None:
    survivor = profile(title="Ms", currency="EUR")
    other = profile(firstName="Augusta", middleName="Ada", title="Dr", language="en-GB", currency="EUR")
    result = survive(survivor, other)
    assert result.profile.first_name == "Ada" and result.profile.title == "Ms"
    assert result.profile.middle_name == "Ada" and result.profile.language == "en-GB"
    assert {(c.field, c.survivor_value, c.merged_value) for c in result.conflicts} == {
        ("firstName", "Ada", "Augusta"),
        ("title", "Ms", "Dr"),
    }


def test_every_contact_of_the_other_becomes_an_additional_one_of_the_survivor() -> None:
    survivor = profile(email="ada@example.com", phone="+442071234567", additionalEmails=["work@example.com"])
    other = profile(
        email="augusta@example.com",
        phone="+442079460000",
        additionalEmails=["ada@example.com", "home@example.com"],
        additionalPhones=["+442071234567", "+442079460001"],
    )
    result = survive(survivor, other).profile
    assert result.email == "ada@example.com" and result.phone == "+442071234567"
    assert [e.value for e in result.additional_emails] == [
        "work@example.com",
        "augusta@example.com",
        "home@example.com",
    ]
    assert [p.value for p in result.additional_phones] == ["+442079460000", "+442079460001"]


def test_a_survivor_without_an_email_takes_the_others_with_its_verification() -> None:
    other = profile(email="ada@example.com", emailVerified=True)
    result = survive(profile(), other).profile
    assert result.email == "ada@example.com" and result.email_verified
    assert result.additional_emails == []
    kept = survive(profile(email="mine@example.com"), other).profile
    assert kept.email == "mine@example.com" and not kept.email_verified


def test_a_merge_that_would_drop_a_contact_is_refused_naming_the_field() -> None:
    survivor = profile(email="s@example.com", additionalEmails=[f"s{n}@example.com" for n in range(9)])
    other = profile(email="o@example.com", additionalEmails=["o2@example.com"])
    with pytest.raises(MergeExceedsLimits) as refused:
        survive(survivor, other)
    assert refused.value.field == "additionalEmails" and refused.value.code == "merge-exceeds-limits"


def test_attributes_are_the_union_and_the_survivors_value_wins_a_conflict() -> None:
    result = survive(
        profile(attributes={"shoeSize": 42, "vip": True}),
        profile(attributes={"shoeSize": 39, "tier": "Gold"}),
    )
    assert result.profile.attributes == {"shoeSize": 42, "vip": True, "tier": "Gold"}
    assert [(c.field, c.survivor_value, c.merged_value) for c in result.conflicts] == [
        ("attributes.shoeSize", 42, 39)
    ]


def test_the_newest_consent_event_of_either_customer_decides_and_a_newer_withdrawal_wins() -> None:
    survivor = profile(email="ada@example.com", emailMarketingConsent=True, phone="+442071234567")
    other = profile(
        email="ada@example.com",
        phone="+442071234567",
        phoneMarketingConsent=True,
        additionalEmails=[{"value": "home@example.com", "marketingConsent": True}],
    )
    events = [
        event("email", "ada@example.com", True, 0),  # the survivor's grant ...
        event("email", "ada@example.com", False, 5),  # ... withdrawn later at the other customer
        event("phone", "+442071234567", True, 1),  # the other's grant, newer than anything else
        event("additionalEmails", "home@example.com", True, 2),
    ]
    result = survive(survivor, other, events).profile
    assert result.email_marketing_consent is False
    assert result.phone_marketing_consent is True
    assert [(e.value, e.marketing_consent) for e in result.additional_emails] == [("home@example.com", True)]


def test_a_grant_and_a_withdrawal_at_the_same_instant_is_a_withdrawal() -> None:
    survivor = profile(email="ada@example.com", emailMarketingConsent=True)
    other = profile(email="ada@example.com")
    events = [
        event("email", "ada@example.com", True, 3),
        event("additionalEmails", "ada@example.com", False, 3),
    ]
    assert survive(survivor, other, events).profile.email_marketing_consent is False


def test_without_any_event_consent_stays_only_where_every_customer_gave_it() -> None:
    survivor = profile(email="ada@example.com", emailMarketingConsent=True)
    assert survive(survivor, profile(email="ada@example.com")).profile.email_marketing_consent is False
    assert survive(survivor, profile()).profile.email_marketing_consent is True


def test_folding_the_same_customer_again_changes_nothing() -> None:
    survivor = profile(email="ada@example.com", attributes={"vip": True})
    other = profile(email="augusta@example.com", phone="+442079460000", attributes={"tier": "Gold"})
    once = survive(survivor, other).profile
    assert survive(once, other).profile == once

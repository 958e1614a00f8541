"""What survives when two customers turn out to be one person: a merge, or a link.

Nothing is lost. The survivor (the older HQ customer) keeps each single value it has and takes the
other's where it has none; every e-mail and phone of the other that it lacks becomes one of its
additional contacts; attributes are the union, the survivor's value winning a conflict. Consent is
decided per contact value by the newest consent event of either customer, so a withdrawal newer
than a grant always wins. A result that would exceed a list's limit is refused, never trimmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from shared.domain.consent import ConsentChange, ContactKind
from shared.domain.duplicates import DuplicateCandidate
from shared.domain.errors import MergeExceedsLimits
from shared.domain.models import ApiModel
from shared.domain.profile import CustomerProfile
from shared.domain.values import EmailContact, PhoneContact
from shared.domain.views import CustomerPublic

# The fields a customer has one value of; the survivor's stays when both have one.
SINGLE_VALUED = (
    "first_name",
    "middle_name",
    "last_name",
    "organization_name",
    "title",
    "email",
    "phone",
    "customer_group",
    "currency",
    "language",
    "receipt_preference",
)
MAX_ADDITIONAL = 10
MAX_AFFILIATIONS = 20


class Conflict(ApiModel):
    """A field both customers have, with different values: the survivor's stays."""

    field: str
    survivor_value: Any
    merged_value: Any


@dataclass(frozen=True)
class Survivorship:
    profile: CustomerProfile
    conflicts: list[Conflict]


def _family(kind: str) -> str:
    return "email" if kind in (ContactKind.EMAIL, ContactKind.ADDITIONAL_EMAILS) else "phone"


def newest_consents(events: Iterable[ConsentChange]) -> dict[tuple[str, str], bool]:
    """(e-mail or phone, value) -> the consent its newest event gives; at the same instant a
    withdrawal wins. Entries without a value (written before values were kept) decide nothing."""
    newest: dict[tuple[str, str], tuple[Any, bool]] = {}
    for event in events:
        if event.value is None:
            continue
        key = (_family(event.contact), event.value)
        seen = newest.get(key)
        if seen is None or event.changed_at > seen[0]:
            newest[key] = (event.changed_at, event.marketing_consent)
        elif event.changed_at == seen[0] and not event.marketing_consent:
            newest[key] = (seen[0], False)
    return {key: consent for key, (_, consent) in newest.items()}


def _held_consents(*profiles: CustomerProfile) -> dict[tuple[str, str], bool]:
    """What the customers' own flags say, where no event decides: consent only if every customer
    that has the contact consented (no proof of which came last, so no consent is assumed)."""
    held: dict[tuple[str, str], bool] = {}

    def add(family: str, value: str, consent: bool) -> None:
        held[(family, value)] = held.get((family, value), True) and consent

    for profile in profiles:
        if profile.email:
            add("email", profile.email, profile.email_marketing_consent)
        if profile.phone:
            add("phone", profile.phone, profile.phone_marketing_consent)
        for email in profile.additional_emails:
            add("email", email.value, email.marketing_consent)
        for phone in profile.additional_phones:
            add("phone", phone.value, phone.marketing_consent)
    return held


def survive(
    survivor: CustomerProfile, other: CustomerProfile, consent_events: Iterable[ConsentChange] = ()
) -> Survivorship:
    """The survivor's profile once `other` is folded into it, and the conflicts a person may review."""
    values: dict[str, Any] = survivor.model_dump()
    for name in SINGLE_VALUED:
        if getattr(survivor, name) is None and getattr(other, name) is not None:
            values[name] = getattr(other, name)
    if survivor.email is None and other.email is not None:
        values["email_verified"] = other.email_verified

    emails = _contacts(values["email"], survivor.additional_emails, other.email, other.additional_emails)
    phones = _contacts(values["phone"], survivor.additional_phones, other.phone, other.additional_phones)
    _within("additionalEmails", emails, MAX_ADDITIONAL)
    _within("additionalPhones", phones, MAX_ADDITIONAL)
    affiliations = survivor.affiliations + [a for a in other.affiliations if a not in survivor.affiliations]
    _within("affiliations", affiliations, MAX_AFFILIATIONS)

    attributes = dict(other.attributes) | dict(survivor.attributes)

    decided = _held_consents(survivor, other) | newest_consents(consent_events)
    values.update(
        additional_emails=[
            EmailContact(value=value, marketing_consent=decided.get(("email", value), False))
            for value in emails
        ],
        additional_phones=[
            PhoneContact(value=value, marketing_consent=decided.get(("phone", value), False))
            for value in phones
        ],
        affiliations=affiliations,
        attributes=attributes,
        email_marketing_consent=bool(values["email"]) and decided.get(("email", values["email"]), False),
        phone_marketing_consent=bool(values["phone"]) and decided.get(("phone", values["phone"]), False),
    )
    return Survivorship(
        profile=CustomerProfile.model_validate(values), conflicts=conflicts_between(survivor, other)
    )


def conflicts_between(survivor: CustomerProfile, other: CustomerProfile) -> list[Conflict]:
    """The single values and attributes both customers have, with different values."""
    conflicts = [
        Conflict(
            field=_alias(name), survivor_value=getattr(survivor, name), merged_value=getattr(other, name)
        )
        for name in SINGLE_VALUED
        if None not in (getattr(survivor, name), getattr(other, name))
        and getattr(survivor, name) != getattr(other, name)
    ]
    for name in sorted(set(survivor.attributes) & set(other.attributes)):
        if survivor.attributes[name] != other.attributes[name]:
            conflicts.append(
                Conflict(
                    field=f"attributes.{name}",
                    survivor_value=survivor.attributes[name],
                    merged_value=other.attributes[name],
                )
            )
    return conflicts


def _contacts(
    primary: str | None,
    mine: list[EmailContact] | list[PhoneContact],
    their_primary: str | None,
    theirs: list[EmailContact] | list[PhoneContact],
) -> list[str]:
    """The survivor's additional contacts, in their order, then every contact of the other it lacks."""
    kept: list[str] = []
    for value in [
        *(contact.value for contact in mine),
        their_primary,
        *(contact.value for contact in theirs),
    ]:
        if value is not None and value != primary and value not in kept:
            kept.append(value)
    return kept


def _within(field: str, items: list[Any], limit: int) -> None:
    if len(items) > limit:
        raise MergeExceedsLimits(field, len(items), limit)


def _alias(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class DuplicateReview(ApiModel):
    """Body of `GET /api/duplicates/{id}`: both customers side by side and exactly what a merge leaves."""

    duplicate: DuplicateCandidate
    survivor: CustomerPublic = Field(description="The older HQ customer, which stays")
    merged: CustomerPublic = Field(description="The newer HQ customer, folded into the survivor by a merge")
    result: CustomerPublic | None = Field(
        description="The survivor as a merge would leave it; null when a merge is refused"
    )
    conflicts: list[Conflict] = Field(
        description="Fields both have with different values: the survivor's stays"
    )
    refused_because: str | None = Field(
        default=None, description="Why a merge would be refused (merge-exceeds-limits), if it would"
    )

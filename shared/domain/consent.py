"""Marketing consent per contact, and the history that proves it.

Under GDPR a consent is worth what its proof is: which address or number it was for, when it was
given or withdrawn, and where. Every change is therefore appended to the customer's consent history,
never rewritten, and names the contact by its value, not by its place in a list: reordering or
replacing additional contacts never moves a consent or a withdrawal onto another address. No
consent is the starting point, so a contact that arrives without consent records nothing; consent
given is recorded, and so is its end: withdrawn, or gone with the contact it was for.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.domain.models import ApiModel
from shared.domain.paging import Page
from shared.domain.profile import CustomerProfile


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    ADDITIONAL_EMAILS = "additionalEmails"
    ADDITIONAL_PHONES = "additionalPhones"


class ConsentReason(StrEnum):
    """Why the consent changed: the customer's create or an edit, its contact removed, or a merge
    or a link that brought another customer's newer consent."""

    CREATE = "create"
    EDIT = "edit"
    CONTACT_REMOVED = "contact-removed"
    MERGE = "merge"
    LINK = "link"


class ConsentChange(ApiModel):
    """One entry of `GET .../customers/{ref}/consents`: which contact, its consent, where, when, why."""

    contact: str = Field(description="email, phone, additionalEmails or additionalPhones")
    value: str | None = Field(
        default=None,
        description="The e-mail or E.164 phone the consent is for; null on entries kept from before "
        "values were recorded",
    )
    marketing_consent: bool
    channel_id: str
    changed_at: datetime
    reason: ConsentReason | None = Field(
        default=None, description="null on entries kept from before reasons were recorded"
    )


class ConsentHistory(Page[ConsentChange]):
    """Body of `GET .../customers/{ref}/consents`, newest first."""


ContactValue = tuple[ContactKind, str]


def consents_of(profile: CustomerProfile | None) -> dict[ContactValue, bool]:
    """(kind, value) -> its consent, for every contact the profile has. A value listed twice in one
    kind has consent if either place gives it."""
    if profile is None:
        return {}
    found: dict[ContactValue, bool] = {}

    def add(kind: ContactKind, value: str, consent: bool) -> None:
        found[(kind, value)] = found.get((kind, value), False) or consent

    if profile.email:
        add(ContactKind.EMAIL, profile.email, profile.email_marketing_consent)
    if profile.phone:
        add(ContactKind.PHONE, profile.phone, profile.phone_marketing_consent)
    for email in profile.additional_emails:
        add(ContactKind.ADDITIONAL_EMAILS, email.value, email.marketing_consent)
    for phone in profile.additional_phones:
        add(ContactKind.ADDITIONAL_PHONES, phone.value, phone.marketing_consent)
    return found


def consent_changes(
    before: CustomerProfile | None,
    after: CustomerProfile,
    *,
    channel_id: str,
    at: datetime,
    reason: ConsentReason | None = None,
) -> list[ConsentChange]:
    """What a create (`before` None), an edit, a merge or a link changed: consent given to a
    contact, withdrawn from it, or ended because the contact went."""
    cause = reason or (ConsentReason.CREATE if before is None else ConsentReason.EDIT)
    old, new = consents_of(before), consents_of(after)
    changes = []
    for (kind, value), consent in new.items():
        if consent != old.get((kind, value), False):
            changes.append(_change(kind, value, consent, channel_id, at, cause))
    for (kind, value), consent in old.items():
        if consent and (kind, value) not in new:
            changes.append(_change(kind, value, False, channel_id, at, ConsentReason.CONTACT_REMOVED))
    return changes


def _change(
    kind: ContactKind, value: str, consent: bool, channel_id: str, at: datetime, reason: ConsentReason
) -> ConsentChange:
    return ConsentChange(
        contact=kind.value,
        value=value,
        marketing_consent=consent,
        channel_id=channel_id,
        changed_at=at,
        reason=reason,
    )


def legacy_contact(label: str) -> str:
    """Entries written before values were recorded named a place (`additionalEmails[0]`); they are
    read as the kind of contact, since the value that place held then is not known."""
    return label.split("[", 1)[0]

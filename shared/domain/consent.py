"""Marketing consent per contact, and the history that proves it (CONTRACT §7).

Under GDPR a consent is worth what its proof is: when it was given or withdrawn, and where. Every
change is therefore appended to the customer's consent history, never rewritten. No consent is the
starting point, so a contact that arrives without consent records nothing; consent given, to a new
address as well, is recorded, and so is its end: withdrawn, or gone with the address it was for.
"""

from __future__ import annotations

from datetime import datetime

from shared.domain.customer import CustomerProfile
from shared.domain.models import ApiModel
from shared.domain.paging import Page


class ConsentChange(ApiModel):
    """One entry of `GET .../customers/{ref}/consents`: which contact, its consent, where and when."""

    contact: str
    marketing_consent: bool
    channel_id: str
    changed_at: datetime


class ConsentHistory(Page[ConsentChange]):
    """Body of `GET .../customers/{ref}/consents`, newest first."""


def _contacts(profile: CustomerProfile | None) -> dict[str, tuple[str, bool]]:
    """Contact label -> (its value, its consent), for every contact the profile has."""
    if profile is None:
        return {}
    found: dict[str, tuple[str, bool]] = {}
    if profile.email:
        found["email"] = (profile.email, profile.email_marketing_consent)
    if profile.phone:
        found["phone"] = (profile.phone, profile.phone_marketing_consent)
    for index, email in enumerate(profile.additional_emails):
        found[f"additionalEmails[{index}]"] = (email.value, email.marketing_consent)
    for index, phone in enumerate(profile.additional_phones):
        found[f"additionalPhones[{index}]"] = (phone.value, phone.marketing_consent)
    return found


def consent_changes(
    before: CustomerProfile | None, after: CustomerProfile, *, channel_id: str, at: datetime
) -> list[ConsentChange]:
    """What a create (`before` None) or an edit changed: consent given (to this very address),
    withdrawn, or ended because its contact went or changed."""
    old, new = _contacts(before), _contacts(after)
    changes = []
    for label in [*new, *(label for label in old if label not in new)]:
        old_value, old_consent = old.get(label, (None, False))
        new_value, new_consent = new.get(label, (None, False))
        if new_consent != old_consent or (new_consent and new_value != old_value):
            changes.append(
                ConsentChange(
                    contact=label, marketing_consent=new_consent, channel_id=channel_id, changed_at=at
                )
            )
    return changes

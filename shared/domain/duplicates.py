"""Duplicate customers: the match rule, the keys HQ indexes it by, and what ops see of a candidate.

The rule is exact on normalised values, never fuzzy: the same primary e-mail (the address as
`email-validator` normalises it, lower-cased, with no Unicode case folding: `straße` and `strasse`
are two mailboxes); or, for a person, the same E.164 primary phone and the same last name; for an
organization, the same primary phone and the same organization name (case and accents folded).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.domain.models import ApiModel
from shared.domain.paging import Page
from shared.domain.profile import CustomerProfile
from shared.domain.values import CustomerType


class DuplicatePolicy(StrEnum):
    """What conversion does when a new customer matches one HQ has (`DUPLICATE_POLICY`): make the HQ
    customer and record a candidate (`flag`), bind to the existing account instead (`link`), or
    nothing (`off`)."""

    FLAG = "flag"
    LINK = "link"
    OFF = "off"


class MatchedOn(StrEnum):
    EMAIL = "email"
    PHONE_AND_NAME = "phone+name"


class DuplicateStatus(StrEnum):
    """`Open` -> `Merging` -> `Merged`, or `Open` -> `Dismissed`: a merge once started is finished,
    never dismissed, and a dismissed pair is never merged."""

    OPEN = "Open"
    MERGING = "Merging"
    MERGED = "Merged"
    DISMISSED = "Dismissed"


@dataclass(frozen=True)
class MatchKey:
    """One way two customers can be the same person. `value` is personal data: it is hashed before
    it is stored and never logged."""

    matched_on: MatchedOn
    value: str

    def digest(self, secret: bytes) -> str:
        """The key as the index stores it: an HMAC, so the index holds no readable e-mail or phone."""
        message = f"{self.matched_on.value}\x1f{self.value}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()


def fold(text: str) -> str:
    """Case and accents folded, inner blanks collapsed: "Ångström  Ltd" and "angstrom ltd" meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def match_keys(profile: CustomerProfile) -> list[MatchKey]:
    """The keys a customer is matched on; none when it has neither an e-mail nor a phone."""
    keys = []
    if profile.email:
        keys.append(MatchKey(MatchedOn.EMAIL, str(profile.email).lower()))
    name = profile.last_name if profile.customer_type is CustomerType.PERSON else profile.organization_name
    if profile.phone and name:
        keys.append(MatchKey(MatchedOn.PHONE_AND_NAME, f"{profile.phone}\x1f{fold(name)}"))
    return keys


def verified_email_key(profile: CustomerProfile) -> MatchKey | None:
    """The one key `link` may bind on: a primary e-mail the customer proved they own."""
    if not profile.email or not profile.email_verified:
        return None
    return MatchKey(MatchedOn.EMAIL, str(profile.email).lower())


def duplicate_id(survivor_account: str, duplicate_account: str) -> str:
    """The same pair always has the same id: detected twice, it is recorded once, and a dismissed
    pair is never flagged again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"duplicate:{survivor_account}:{duplicate_account}"))


class DuplicateCandidate(ApiModel):
    """A newer HQ customer that matches an older one: ids and field names only, never the values."""

    duplicate_id: str
    customer_id: str = Field(description="The GUID of the newer customer")
    channel_id: str = Field(description="The channel that created the newer customer")
    account_number: str = Field(description="The newer HQ customer, merged away by a merge")
    candidate_account_number: str = Field(description="The oldest matching HQ customer, the survivor")
    matched_on: list[MatchedOn]
    detected_at: datetime
    status: DuplicateStatus = DuplicateStatus.OPEN


class DuplicatePage(Page[DuplicateCandidate]):
    """Body of `GET /api/duplicates`: one page of candidates, in a stable order, and the next one's cursor."""

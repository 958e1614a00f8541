"""What a customer can be found by, and what a cashier's search text asks for.

Both sides are reduced to the same plain terms (upper-case account number, lower-case e-mail, E.164
phone, folded name), so finding a customer is a key lookup in the search index rather than a scan.
Terms are data: nothing here is ever pasted into query syntax.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.domain.contact import normalise_phone
from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.identifiers import ACCOUNT_NUMBER
from shared.domain.profile import CustomerProfile

ACCOUNT = "account"
EMAIL = "email"
PHONE = "phone"
NAME = "name"
# Only names are looked up by prefix; the index shards these by first character so a prefix finds them.
PREFIX_KINDS = frozenset({NAME})

MAX_SEARCH_LENGTH = 100
MIN_PHONE_DIGITS = 6

# Keeps `{key term}|{sort key}|{customer id}` well inside the 1 KiB key limit; longer terms share a truncated
# key, which is harmless because every hit is checked against the customer record.
MAX_KEY_TERM_LENGTH = 400
_LITERAL = frozenset(string.ascii_letters + string.digits + ".-")

_PHONE_TEXT = re.compile(r"[0-9 +\-.()]+")
_ACCOUNT_TEXT = re.compile(ACCOUNT_NUMBER)


@dataclass(frozen=True)
class SearchTerm:
    """One value a customer is indexed under, e.g. `("email", "ada@example.com")`."""

    kind: str
    term: str


@dataclass(frozen=True)
class SearchQuery:
    """One lookup a search text stands for; names match by prefix, everything else exactly."""

    kind: str
    term: str
    prefix: bool = False

    def matches(self, terms: Iterable[SearchTerm]) -> bool:
        """Whether a customer with these terms answers this lookup (used to drop stale index hits)."""
        if self.prefix:
            return any(term.kind == self.kind and term.term.startswith(self.term) for term in terms)
        return SearchTerm(self.kind, self.term) in set(terms)


def fold_name(text: str) -> str:
    """Case, accents, compatibility forms and spacing removed, so "Zoë  O'Neil" reads "zoe o'neil"."""
    # NFKD runs again after casefold: folding can produce new combining marks (e.g. "İ" -> "i̇").
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


def index_terms(profile: CustomerProfile, account_number: str | None) -> set[SearchTerm]:
    """Every term the customer must be found by; a pending customer has no account number yet."""
    terms: set[SearchTerm] = set()
    if account_number and account_number.strip():
        terms.add(SearchTerm(ACCOUNT, account_number.strip().upper()))
    for email in [profile.email, *(contact.value for contact in profile.additional_emails)]:
        if email:
            terms.add(SearchTerm(EMAIL, email.lower()))
    for phone in [profile.phone, *(contact.value for contact in profile.additional_phones)]:
        if phone:
            terms.add(SearchTerm(PHONE, phone))
    terms.update(SearchTerm(NAME, name) for name in _names(profile) if name)
    return terms


def _names(profile: CustomerProfile) -> list[str]:
    first, middle, last = profile.first_name, profile.middle_name, profile.last_name
    names = [fold_name(value) for value in (first, last) if value]
    if first and last:
        names.append(fold_name(f"{first} {last}"))
        if middle:
            names.append(fold_name(f"{first} {middle} {last}"))
    if profile.organization_name:
        # From each word to the end, so "Café Q" and "Contoso" both find "Contoso Café Q".
        words = fold_name(profile.organization_name).split()
        names.extend(" ".join(words[start:]) for start in range(len(words)))
    return names


def query_terms(text: str, *, default_country: str) -> list[SearchQuery]:
    """The lookups a search text stands for, exact ones first; raises ValidationFailed on bad text."""
    wanted = _checked(text)
    queries: list[SearchQuery] = []
    if "@" in wanted:
        queries.append(SearchQuery(EMAIL, wanted.lower()))
    phone = _phone(wanted, default_country)
    if phone is not None:
        queries.append(SearchQuery(PHONE, phone))
    if _ACCOUNT_TEXT.fullmatch(wanted):
        queries.append(SearchQuery(ACCOUNT, wanted.upper()))
    name = fold_name(wanted)
    if any(char.isalpha() for char in name):
        # The whole name first: a client cannot push a customer of exactly this name off the first
        # page by creating customers whose names merely start with it.
        queries.append(SearchQuery(NAME, name))
        queries.append(SearchQuery(NAME, name, prefix=True))
    return queries


def _checked(text: str) -> str:
    wanted = text.strip()
    if not wanted:
        raise ValidationFailed([FieldError("search", "must not be empty")])
    if len(wanted) > MAX_SEARCH_LENGTH:
        raise ValidationFailed([FieldError("search", f"must be at most {MAX_SEARCH_LENGTH} characters")])
    return wanted


def _phone(text: str, default_country: str) -> str | None:
    if not _PHONE_TEXT.fullmatch(text):
        return None
    if sum(char.isdigit() for char in text) < MIN_PHONE_DIGITS:
        return None
    try:
        return normalise_phone(text, default_country)
    except ValueError:
        # Digits that are no valid phone number may still be an account number.
        return None


SYNCED_SCOPE = "Synced"


def scope_for(channel_id: str, synced: bool) -> str:
    """Synced customers are found from every channel; a pending one only in its own."""
    return SYNCED_SCOPE if synced else channel_id


class Placed(Protocol):
    """What places a customer among others of the same term (a channel record has both)."""

    @property
    def account_number(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


def sort_key(record: Placed, *, synced: bool) -> str:
    """Where a customer's entries stand among those of the same term: synced ones by account number
    (the oldest customer first), pending ones by creation time; never by anything a client picks."""
    if synced:
        if record.account_number is None:
            raise ValueError("a synced entry needs the account number")
        return record.account_number
    return record.created_at.strftime("%Y%m%dT%H%M%S.%f")


def key_term(term: str) -> str:
    """The term as RowKey text: `[A-Za-z0-9.-]` kept, anything else `_XX` per UTF-8 byte."""
    units: list[str] = []
    length = 0
    for char in term:
        unit = (
            char
            if char in _LITERAL
            else "".join(f"_{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        )
        # Cutting only between characters keeps a truncated prefix a prefix of the truncated term.
        if length + len(unit) > MAX_KEY_TERM_LENGTH:
            break
        units.append(unit)
        length += len(unit)
    return "".join(units)

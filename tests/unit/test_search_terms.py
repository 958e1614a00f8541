"""Search terms: what a customer is indexed under, what a search text asks for, and safe index keys."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import ValidationFailed
from shared.domain.profile import CustomerProfile
from shared.domain.search import (
    ACCOUNT,
    EMAIL,
    MAX_KEY_TERM_LENGTH,
    NAME,
    PHONE,
    SearchQuery,
    SearchTerm,
    fold_name,
    index_terms,
    key_term,
    query_terms,
)
from shared.domain.validation import parse_customer_create
from shared.storage.search_index import key_range

INJECTION = "' or PartitionKey ne '"


def profile(default_country: str = "USA", **body: Any) -> CustomerProfile:
    person = body.get("customerType", "Person") == "Person"
    values: dict[str, Any] = {"firstName": "Ada", "lastName": "Lovelace"} if person else {}
    values.update(body)
    return parse_customer_create(values, default_country=default_country).profile()


def terms_of(kind: str, terms: set[SearchTerm]) -> set[str]:
    return {term.term for term in terms if term.kind == kind}


def kinds(queries: list[SearchQuery]) -> list[str]:
    return [query.kind for query in queries]


# -- index terms ------------------------------------------------------------------------------


def test_account_number_is_indexed_upper_case() -> None:
    assert terms_of(ACCOUNT, index_terms(profile(), " c000000042 ")) == {"C000000042"}


def test_pending_customer_has_no_account_term() -> None:
    assert terms_of(ACCOUNT, index_terms(profile(), None)) == set()


def test_every_email_is_indexed_whole_and_lower_case() -> None:
    terms = index_terms(profile(email="Ada.King@Example.COM", additionalEmails=["ADA@work.example"]), None)
    assert terms_of(EMAIL, terms) == {"ada.king@example.com", "ada@work.example"}


def test_every_phone_is_indexed_in_e164() -> None:
    terms = index_terms(profile("GBR", phone="020 7946 0123", additionalPhones=["+1 (212) 736-5000"]), None)
    assert terms_of(PHONE, terms) == {"+442079460123", "+12127365000"}


def test_person_names_are_indexed_alone_and_together() -> None:
    terms = index_terms(profile(firstName="Ada", middleName="Augusta", lastName="King"), None)
    assert terms_of(NAME, terms) == {"ada", "king", "ada king", "ada augusta king"}


def test_names_are_folded_for_case_accents_and_spacing() -> None:
    terms = index_terms(profile(firstName="Zoë", lastName="ÅSTRÖM   Núñez"), None)
    assert terms_of(NAME, terms) == {"zoe", "astrom nunez", "zoe astrom nunez"}


def test_organization_name_is_indexed_from_each_of_its_words() -> None:
    terms = index_terms(profile(customerType="Organization", organizationName="Contoso  Café Ltd"), None)
    assert terms_of(NAME, terms) == {"contoso cafe ltd", "cafe ltd", "ltd"}


def test_query_syntax_in_a_name_is_indexed_as_plain_text() -> None:
    terms = index_terms(profile(lastName=INJECTION), None)
    assert "' or partitionkey ne '" in terms_of(NAME, terms)


# -- query classification ---------------------------------------------------------------------


def test_text_with_at_sign_is_an_exact_lower_case_email_query() -> None:
    queries = query_terms("  Ada.King@Example.COM ", default_country="USA")
    assert queries[0] == SearchQuery(EMAIL, "ada.king@example.com", prefix=False)
    assert ACCOUNT not in kinds(queries)


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("(212) 736-5000", "USA", "+12127365000"),
        ("212.736.5000", "USA", "+12127365000"),
        ("212-736-5000", "USA", "+12127365000"),
        ("+1 212 736 5000", "FRA", "+12127365000"),
        ("020 7946 0123", "GBR", "+442079460123"),
        ("01 42 68 53 00", "FRA", "+33142685300"),
    ],
)
def test_phone_in_any_format_is_read_as_e164_in_the_channel_country(
    text: str, country: str, expected: str
) -> None:
    queries = query_terms(text, default_country=country)
    assert SearchQuery(PHONE, expected) in queries
    assert NAME not in kinds(queries)


def test_digits_that_are_no_phone_number_are_still_an_account_query() -> None:
    queries = query_terms("123456", default_country="USA")
    assert queries == [SearchQuery(ACCOUNT, "123456")]


def test_short_digit_text_is_no_phone_query() -> None:
    assert PHONE not in kinds(query_terms("12345", default_country="USA"))


def test_account_query_is_upper_case_and_comes_before_the_name_query() -> None:
    queries = query_terms("c000000042", default_country="USA")
    assert queries == [
        SearchQuery(ACCOUNT, "C000000042"),
        SearchQuery(NAME, "c000000042"),
        SearchQuery(NAME, "c000000042", prefix=True),
    ]


def test_name_query_is_the_folded_whole_name_then_a_prefix() -> None:
    queries = query_terms("  ZOË   Ast ", default_country="USA")
    assert queries == [SearchQuery(NAME, "zoe ast"), SearchQuery(NAME, "zoe ast", prefix=True)]


def test_single_letter_is_a_name_prefix() -> None:
    assert SearchQuery(NAME, "z", prefix=True) in query_terms("Z", default_country="USA")


@pytest.mark.parametrize("text", [INJECTION, "eq", "a or b", "x' and RowKey gt '", "*", "%27"])
def test_query_syntax_in_search_text_stays_data(text: str) -> None:
    for query in query_terms(text, default_country="USA"):
        assert query.term in {text.upper(), fold_name(text)}


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_search_is_rejected_naming_search(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        query_terms(text, default_country="USA")
    assert [error.field for error in caught.value.errors] == ["search"]


def test_search_over_100_characters_is_rejected_naming_search() -> None:
    query_terms("a" * 100, default_country="USA")
    with pytest.raises(ValidationFailed) as caught:
        query_terms("a" * 101, default_country="USA")
    assert [error.field for error in caught.value.errors] == ["search"]


def test_stale_terms_do_not_answer_a_query() -> None:
    terms = index_terms(profile(email="new@example.com"), None)
    assert SearchQuery(EMAIL, "new@example.com").matches(terms)
    assert not SearchQuery(EMAIL, "old@example.com").matches(terms)
    assert SearchQuery(NAME, "ada l", prefix=True).matches(terms)
    assert not SearchQuery(NAME, "ada l", prefix=False).matches(terms)


# -- index keys -------------------------------------------------------------------------------

FORBIDDEN_IN_KEYS = set("/\\#?|'%") | {chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]}


@given(st.text(max_size=300))
def test_any_term_makes_a_legal_key(term: str) -> None:
    encoded = key_term(term)
    assert not FORBIDDEN_IN_KEYS & set(encoded)
    assert encoded.isascii()
    assert len(encoded) <= MAX_KEY_TERM_LENGTH


# Prefixes short enough to stay whole: a truncated prefix would also match other long terms.
@given(st.text(min_size=1, max_size=30), st.text(max_size=60), st.text(min_size=1, max_size=60))
def test_a_prefix_range_holds_exactly_the_terms_that_start_with_it(
    prefix: str, rest: str, other: str
) -> None:
    start, end = key_range(key_term(prefix))
    assert start <= key_term(prefix + rest) + "|id" < end
    assert (start <= key_term(other) + "|id" < end) == other.startswith(prefix)


def test_distinct_terms_make_distinct_keys() -> None:
    terms = ["a|b", "a", "a_7Cb", "a b", "a_20b", "o'brien", "o_27brien", "%", "_25"]
    assert len({key_term(term) for term in terms}) == len(terms)


def test_very_long_terms_are_cut_between_characters() -> None:
    long_prefix = "é" * 40
    long_term = long_prefix + "x" * 500
    assert key_term(long_term).startswith(key_term(long_prefix))
    assert key_term(long_term).endswith("x")

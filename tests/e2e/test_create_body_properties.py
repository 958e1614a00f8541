"""Properties of `POST /api/channels/{id}/customers` over generated bodies, through the local host.

Every contract field is drawn valid or invalid (or left out), so the test knows what the answer must
be: 201 with the values normalised and kept exactly as answered, or 422 naming precisely the fields
that are wrong. Whatever the body, the answer is JSON and never a 5xx.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pycountry
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import person

MAX_BODY_BYTES = 64 * 1024
PROBLEM_TYPE_PREFIX = "https://"
VOLATILE_FIELDS = frozenset({"version", "syncStatus", "accountNumber", "displayAccountNumber", "syncedAt"})
ENHANCED_FIELDS = ("title", "affiliations", "additionalEmails", "additionalPhones")
CONTRACT_FIELDS = frozenset(
    {
        "customerId",
        "customerType",
        "firstName",
        "middleName",
        "lastName",
        "organizationName",
        "title",
        "email",
        "phone",
        "additionalEmails",
        "additionalPhones",
        "affiliations",
        "addresses",
    }
)
ADDRESS_FIELDS = frozenset(
    {"name", "street", "city", "state", "zipCode", "countryRegionId", "purpose", "isPrimary"}
)
# What a client might send by mistake: the server's own fields, and the Python spelling of ours.
SERVER_OWNED_FIELDS = (
    "accountNumber",
    "displayAccountNumber",
    "syncStatus",
    "creationMode",
    "fallbackReason",
    "channelId",
    "createdAt",
    "syncedAt",
    "version",
)
PYTHON_SPELLINGS = {
    "customer_type": "Person",
    "first_name": "Ada",
    "middle_name": "Augusta",
    "last_name": "Lovelace",
    "organization_name": "Analytical Engines",
    "additional_emails": ["ada@example.org"],
    "additional_phones": ["+442071234567"],
    "customer_id": "6d0e3f7c-2b1a-4c5d-9e8f-0a1b2c3d4e5f",
}
ISO_ALPHA3 = frozenset(country.alpha_3 for country in pycountry.countries)


@dataclass(frozen=True)
class ChannelKind:
    """A functionality profile the test creates once; bodies are drawn for one of them."""

    label: str
    profile: dict[str, Any]
    country: str

    @property
    def is_async(self) -> bool:
        return bool(self.profile.get("asyncCustomerCreation"))


CHANNEL_KINDS = (
    ChannelKind("async", {"asyncCustomerCreation": True}, "USA"),
    ChannelKind(
        "async-basic",
        {"asyncCustomerCreation": True, "enhancedAsyncCustomers": False, "asyncCustomerAddresses": False},
        "USA",
    ),
    ChannelKind("sync-france", {"defaultCountry": "FRA"}, "FRA"),
)


# -- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pick:
    """One drawn value: whether the contract accepts it, and what a 201 must answer for it."""

    value: Any
    valid: bool
    answered: Any = None


def valid(value: Any, answered: Any = None) -> Pick:
    return Pick(value, True, value if answered is None else answered)


def invalid(value: Any) -> Pick:
    return Pick(value, False)


ODD_NAMES = [
    "O'Brien",
    'The "Great"',
    "eq",
    "or",
    "' or 1 eq 1 or '",
    "PartitionKey eq 'x'",
    "$filter=RowKey",
    "null",
    "true",
    "Zoë",
    "Łukasz",
    "Nguyễn Văn A",
    "李小龍",
    "محمد",
    "🙂 Smiley",
    "x|y}z",
    "back\\slash",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE Students;--",
    "%00%27",
]
# Letters, marks, digits, punctuation, symbols and spaces; edges never blank, so trimming is a no-op.
NAME_CHARACTERS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
WRONG_TYPES = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def short_texts(max_length: int) -> st.SearchStrategy[Pick]:
    generated = st.text(NAME_CHARACTERS, min_size=1, max_size=max_length).filter(
        lambda text: text == text.strip()
    )
    odd = st.sampled_from([name for name in ODD_NAMES if len(name) <= max_length])
    return st.one_of(odd, generated, st.just("n" * max_length)).map(valid)


def bad_texts(max_length: int) -> st.SearchStrategy[Pick]:
    too_long = st.integers(max_length + 1, max_length + 300).map(lambda length: "L" * length)
    blank = st.sampled_from(["", " ", "\t\n", "\u3000"])
    lone_surrogate = st.just("Ada\ud800")
    # Control characters and bidi overrides, anywhere, even where trimming would remove them.
    unsafe = st.sampled_from(
        ["tab\tinside", "Nul\x00inside", "Ada\n", "\rAda", "C1\x85", "evil\u202egnp", "x\u2066y"]
    )
    return st.one_of(too_long, blank, lone_surrogate, unsafe, WRONG_TYPES).map(invalid)


def text_fields(max_length: int, *, nullable: bool = True) -> st.SearchStrategy[Pick]:
    ok = st.one_of(short_texts(max_length), st.just(valid(None))) if nullable else short_texts(max_length)
    return st.one_of(ok, bad_texts(max_length))


EMAIL_LOCAL = st.from_regex(r"[a-z0-9_+'-]{1,12}(\.[a-z0-9_+'-]{1,12}){0,2}", fullmatch=True)
EMAIL_DOMAIN = st.sampled_from(["example.com", "Example.COM", "mail.example.org", "EXAMPLE.co.uk"])


def good_emails() -> st.SearchStrategy[Pick]:
    built = st.builds(
        lambda local, domain: valid(f"{local}@{domain}", f"{local}@{domain.lower()}"),
        EMAIL_LOCAL,
        EMAIL_DOMAIN,
    )
    unicode = st.sampled_from([valid("用户@example.com"), valid("José@Exämple.com", "José@exämple.com")])
    return st.one_of(built, unicode)


def bad_emails() -> st.SearchStrategy[Pick]:
    texts = st.sampled_from(
        [
            "plainaddress",
            "a@",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@localhost",
            ".a@example.com",
            "a..b@example.com",
            "a@example.test",
            "x" * 250 + "@example.com",
        ]
    )
    return st.one_of(texts, WRONG_TYPES).map(invalid)


INTERNATIONAL_PHONES = [
    valid("+442071234567"),
    valid("+44 20 7123 4567", "+442071234567"),
    valid("+33 1 42 68 53 00", "+33142685300"),
    valid("+4930901820"),
    valid("+81312345678"),
    valid("+5511987654321"),
]
NATIONAL_PHONES = {
    "USA": [valid("(206) 555-0100", "+12065550100"), valid("206.555.0199", "+12065550199")],
    "FRA": [valid("01 42 68 53 00", "+33142685300"), valid("06 12 34 56 78", "+33612345678")],
}
BAD_PHONES = ["123", "abc", "+999 1234", "+1 (206) 555-010", "1" * 41, "", "   ", "+"]


def good_phones(country: str) -> st.SearchStrategy[Pick]:
    return st.sampled_from(INTERNATIONAL_PHONES + NATIONAL_PHONES[country])


def bad_phones() -> st.SearchStrategy[Pick]:
    return st.one_of(st.sampled_from(BAD_PHONES), WRONG_TYPES).map(invalid)


def lists_of(
    item: st.SearchStrategy[Pick],
    bad_item: st.SearchStrategy[Pick],
    limit: int,
    *,
    clean: bool,
    longest: int = 3,
) -> st.SearchStrategy[Pick]:
    """Lists up to a little past `limit`; one bad item, or one item too many, spoils the list."""

    def combine(items: list[Pick]) -> Pick:
        values = [pick.value for pick in items]
        if len(items) <= limit and all(pick.valid for pick in items):
            return valid(values, [pick.answered for pick in items])
        return invalid(values)

    if clean:
        return st.lists(item, max_size=longest).map(combine)
    mostly_good = st.one_of(item, item, item, bad_item)
    wrong_shapes = st.one_of(st.just(None), st.text(max_size=5), st.integers(), st.just({})).map(invalid)
    return st.one_of(st.lists(mostly_good, max_size=limit + 2).map(combine), wrong_shapes)


def country_codes() -> st.SearchStrategy[Pick]:
    real = st.sampled_from(sorted(ISO_ALPHA3))
    random = st.text(st.characters(min_codepoint=ord("A"), max_codepoint=ord("Z")), min_size=3, max_size=3)
    lower = real.map(str.lower)

    def judge(code: str) -> Pick:
        return valid(code, code.upper()) if code.upper() in ISO_ALPHA3 else invalid(code)

    wrong = st.one_of(st.sampled_from(["US", "FR", "USAA", "", "840"]), WRONG_TYPES).map(invalid)
    return st.one_of(st.one_of(real, random, lower).map(judge), wrong)


@st.composite
def addresses(draw: st.DrawFn, *, clean: bool) -> Pick:
    """An address whose every field is drawn; the default purpose and flag are part of the answer."""
    picks: dict[str, Pick] = {
        "street": draw(short_texts(250) if clean else text_fields(250, nullable=False)),
        "city": draw(short_texts(60) if clean else text_fields(60, nullable=False)),
        "countryRegionId": draw(
            st.sampled_from(["USA", "fra", "DEU"]).map(lambda code: valid(code, code.upper()))
            if clean
            else country_codes()
        ),
    }
    optional = {
        "name": text_fields(60),
        "state": text_fields(60),
        "zipCode": text_fields(20),
        "purpose": st.one_of(
            st.sampled_from(["Home", "Delivery", "Invoice", "Business"]).map(valid),
            st.sampled_from(["home", "Work", "", 1]).map(invalid),
        ),
        "isPrimary": st.one_of(
            st.booleans().map(valid), st.sampled_from(["maybe", 2, [], None]).map(invalid)
        ),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            pick = draw(strategy)
            if clean and not pick.valid:
                continue
            picks[name] = pick
    body = {name: pick.value for name, pick in picks.items()}
    spoiled = not all(pick.valid for pick in picks.values())
    if not clean and draw(st.integers(0, 3)) == 0:
        body.pop(draw(st.sampled_from(["street", "city", "countryRegionId"])))  # a required field left out
        spoiled = True
    if not clean and draw(st.integers(0, 3)) == 0:
        body["country"] = "USA"  # not a field of ours
        spoiled = True
    if spoiled:
        return invalid(body)
    answered = {"name": None, "state": None, "zipCode": None, "purpose": "Home", "isPrimary": False}
    answered.update({name: pick.answered for name, pick in picks.items()})
    return valid(body, answered)


def address_lists(*, clean: bool, longest: int = 3) -> st.SearchStrategy[Pick]:
    items = lists_of(addresses(clean=True), addresses(clean=False), 20, clean=clean, longest=longest)
    if clean:
        return items
    too_many = st.lists(addresses(clean=True), min_size=21, max_size=21)
    return st.one_of(items, too_many.map(lambda picks: invalid([pick.value for pick in picks])))


# -- bodies ----------------------------------------------------------------------------------------


@dataclass
class CreateCase:
    """A body and what the contract says must become of it in the channel it is sent to."""

    kind: ChannelKind
    picks: dict[str, Pick] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"CreateCase(channel={self.kind.label!r}, body={self.body()!r})"

    def body(self) -> dict[str, Any]:
        return {**{name: pick.value for name, pick in self.picks.items()}, **self.unknown}

    def text(self) -> bytes:
        return json.dumps(self.body()).encode()

    def invalid_fields(self) -> set[str]:
        return {name for name, pick in self.picks.items() if not pick.valid} | set(self.unknown)

    def customer_type(self) -> str:
        pick = self.picks.get("customerType")
        return pick.value if pick is not None and pick.valid else "Person"

    def missing_names(self) -> set[str]:
        required = (
            ("organizationName",) if self.customer_type() == "Organization" else ("firstName", "lastName")
        )
        return {name for name in required if self.picks.get(name, valid(None)).value is None}

    def refused_by_profile(self) -> set[str]:
        """Fields only async customers are checked for (enhancedAsyncCustomers, asyncCustomerAddresses)."""
        if not self.kind.is_async:
            return set()
        present = {
            name for name in ENHANCED_FIELDS if self.picks.get(name, valid(None)).value not in (None, [])
        }
        refused = set() if self.kind.profile.get("enhancedAsyncCustomers", True) else present
        if (
            not self.kind.profile.get("asyncCustomerAddresses", True)
            and len(self.picks.get("addresses", valid([])).value) > 1
        ):
            refused.add("addresses")
        return refused

    def expected_problem_fields(self) -> set[str]:
        """The validation stages in order: field by field, then required names, then the channel's profile."""
        return self.invalid_fields() or self.missing_names() or self.refused_by_profile()

    def answered(self, name: str) -> Any:
        pick = self.picks.get(name)
        if pick is None:
            return (
                [] if name in ("additionalEmails", "additionalPhones", "affiliations", "addresses") else None
            )
        return pick.answered


def field_strategies(country: str, *, clean: bool) -> dict[str, st.SearchStrategy[Pick]]:
    names = {
        name: short_texts(60) if clean else text_fields(60)
        for name in ("firstName", "middleName", "lastName", "organizationName", "title")
    }
    customer_type = st.sampled_from(["Person", "Person", "Organization"]).map(valid)
    emails = good_emails() if clean else st.one_of(good_emails(), bad_emails())
    phones = good_phones(country) if clean else st.one_of(good_phones(country), bad_phones())
    affiliation = short_texts(60)
    if not clean:
        customer_type = st.one_of(
            customer_type, st.sampled_from(["person", "Company", "", None, 1]).map(invalid)
        )
    strategies = {
        **names,
        "customerType": customer_type,
        "email": emails,
        "phone": phones,
        "additionalEmails": lists_of(good_emails(), bad_emails(), 10, clean=clean),
        "additionalPhones": lists_of(good_phones(country), bad_phones(), 10, clean=clean),
        "affiliations": lists_of(affiliation, bad_texts(60), 20, clean=clean),
        "addresses": address_lists(clean=clean),
        # Fresh every time, as a till makes them: a drawn id could repeat, and a repeat is a retry.
        "customerId": st.builds(uuid.uuid4).map(lambda value: valid(str(value))),
    }
    if not clean:
        strategies["customerId"] = st.one_of(
            strategies["customerId"], st.sampled_from(["not-a-guid", "1234", "", 42]).map(invalid)
        )
    return strategies


UNKNOWN_KEYS = st.one_of(
    st.sampled_from(SERVER_OWNED_FIELDS),
    st.text(min_size=1, max_size=20).filter(
        lambda key: key not in CONTRACT_FIELDS and key not in PYTHON_SPELLINGS and key != "body"
    ),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def create_cases(draw: st.DrawFn) -> CreateCase:
    """A third of the bodies are plain (valid, nothing any profile refuses) and a third are clean
    (valid, but maybe refused by a channel's profile), so a 201 is about as common as a 422."""
    case = CreateCase(draw(st.sampled_from(CHANNEL_KINDS)))
    mode = draw(st.sampled_from(["plain", "clean", "messy"]))
    clean = mode != "messy"
    for name, strategy in field_strategies(case.kind.country, clean=clean).items():
        if mode == "plain" and name in ENHANCED_FIELDS:
            continue
        if mode == "plain" and name == "addresses":
            strategy = address_lists(clean=True, longest=1)
        required = clean and name in ("firstName", "lastName")
        if required or draw(st.integers(0, 2)) > 0:
            case.picks[name] = draw(strategy)
    if clean and case.customer_type() == "Organization" and "organizationName" not in case.picks:
        case.picks["organizationName"] = draw(short_texts(60))
    if not clean:
        case.unknown = draw(st.dictionaries(UNKNOWN_KEYS, JSON_VALUES, max_size=2))
        if draw(st.integers(0, 9)) == 0:  # a name so long the whole body is over the limit: 413
            case.picks["lastName"] = invalid("L" * (MAX_BODY_BYTES + 1))
    return case


# -- the host --------------------------------------------------------------------------------------


@dataclass
class CustomerApi:
    api: ApiClient
    channels: dict[str, tuple[str, dict[str, str]]]

    def post(self, kind: ChannelKind, content: bytes) -> Any:
        channel_id, key = self.channels[kind.label]
        headers = {**key, "Content-Type": "application/json"}
        return self.api.http.post(f"/api/channels/{channel_id}/customers", content=content, headers=headers)


@pytest.fixture
def customer_api(start_host: StartHost) -> Iterator[CustomerApi]:
    """One host and one channel per profile for the whole test function, not per example."""
    api = start_host()
    yield CustomerApi(api, {kind.label: api.new_channel(**kind.profile) for kind in CHANNEL_KINDS})


# -- checks ----------------------------------------------------------------------------------------


def assert_json_answer(response: Any) -> Any:
    assert response.status_code < 500, f"{response.status_code}: {response.text}"
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    body = response.json()
    if response.status_code >= 400:
        assert media_type == "application/problem+json", media_type
        assert body["status"] == response.status_code
        assert body["type"].startswith(PROBLEM_TYPE_PREFIX) and body["title"] and body["detail"]
    else:
        assert media_type == "application/json", media_type
    return body


def named_fields(problem: dict[str, Any], unknown: set[str]) -> set[str]:
    """Error paths cut down to the key the body sent (`addresses[0].city` -> `addresses`)."""
    names = set()
    for error in problem["errors"]:
        assert isinstance(error["field"], str) and isinstance(error["message"], str) and error["message"]
        path = error["field"]
        names.add(path if path in unknown else path.split("[", 1)[0].split(".", 1)[0])
    return names


def assert_kept_as_sent(case: CreateCase, customer: dict[str, Any], channel_id: str) -> None:
    assert customer["channelId"] == channel_id
    assert customer["customerType"] == case.customer_type()
    for name in CONTRACT_FIELDS - {"customerType", "addresses", "customerId"}:
        expected = case.answered(name)
        if name in ("additionalEmails", "additionalPhones"):  # a string is answered as the object form
            expected = [{"value": value, "marketingConsent": False} for value in expected]
        assert customer[name] == expected, name
    sent_addresses = case.answered("addresses")
    kept = [{name: address[name] for name in ADDRESS_FIELDS} for address in customer["addresses"]]
    # The answer lists addresses by their generated ids, not in the order sent.
    assert sorted(kept, key=canonical) == sorted(sent_addresses, key=canonical)
    if "customerId" in case.picks:
        assert customer["customerId"] == case.picks["customerId"].value.lower()
    if case.kind.is_async:
        assert customer["creationMode"] == "Async"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def without_volatile(customer: dict[str, Any]) -> dict[str, Any]:
    kept = {name: value for name, value in customer.items() if name not in VOLATILE_FIELDS}
    kept["addresses"] = [{k: v for k, v in a.items() if k != "syncStatus"} for a in customer["addresses"]]
    return kept


# -- properties ------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=create_cases())
def test_any_create_body_gets_201_or_a_problem_naming_exactly_the_wrong_fields(
    customer_api: CustomerApi, case: CreateCase
) -> None:
    """Whatever the mix of valid and invalid fields, the answer follows from the body alone, and a
    created customer reads back exactly as it was answered."""
    content = case.text()
    note(f"POST to the {case.kind.label} channel ({len(content)} bytes): {content[:2000].decode()}")
    response = customer_api.post(case.kind, content)
    answer = assert_json_answer(response)
    event(f"{case.kind.label}: {response.status_code}")

    if len(content) > MAX_BODY_BYTES:
        assert response.status_code == 413
        return
    expected = case.expected_problem_fields()
    if expected:
        assert response.status_code == 422, answer
        assert named_fields(answer, set(case.unknown)) == expected
        return
    assert response.status_code == 201, answer
    channel_id, key = customer_api.channels[case.kind.label]
    assert response.headers["Location"] == f"/api/channels/{channel_id}/customers/{answer['customerId']}"
    assert_kept_as_sent(case, answer, channel_id)

    read = customer_api.api.customer(channel_id, key, answer["customerId"])
    assert read.status_code == 200, read.text
    assert without_volatile(read.json()) == without_volatile(answer)


HOSTILE_JSON_TEXTS = {
    "deep nesting": st.one_of(
        st.integers(50, 5000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(50, 5000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    ),
    "huge numbers": st.one_of(
        st.integers(4000, 20000).map(lambda digits: "9" * digits),
        st.sampled_from(["1e999999", "-1e999999", "NaN", "Infinity", "-Infinity", "1" + "0" * 400 + ".5"]),
    ),
    "not an object": st.one_of(
        st.sampled_from(["null", "true", '""', "[]", '"Ada"', "0", "[{}]"]),
        JSON_VALUES.filter(lambda value: not isinstance(value, dict)).map(json.dumps),
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_JSON_TEXTS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_json_gets_a_problem_never_a_5xx(
    customer_api: CustomerApi, kind: str, data: st.DataObject
) -> None:
    """Deep nesting, huge numbers and bodies that are not objects are the client's mistake: a 4xx."""
    value = data.draw(HOSTILE_JSON_TEXTS[kind])
    places = ["%s"] if kind == "not an object" else ["%s", '{"firstName": %s, "lastName": "Lovelace"}']
    where = data.draw(st.sampled_from([*places, '{"nickname": %s}']))
    content = (where % value).encode()
    note(f"body of {len(content)} bytes: {content[:120].decode()}...")
    response = customer_api.post(CHANNEL_KINDS[0], content)
    assert_json_answer(response)
    assert response.status_code in (400, 413, 422), response.text


def test_python_spellings_of_contract_fields_are_unknown_fields(customer_api: CustomerApi) -> None:
    """`first_name` is not a contract name (they are camelCase), so it gets a 422 like any unknown key."""
    accepted = {}
    for name, value in PYTHON_SPELLINGS.items():
        camel_case = name.split("_")[0] + "".join(word.title() for word in name.split("_")[1:])
        body = {**{key: item for key, item in person().items() if key != camel_case}, name: value}
        response = customer_api.post(CHANNEL_KINDS[0], json.dumps(body).encode())
        if response.status_code != 422 or name not in named_fields(response.json(), {name}):
            accepted[name] = response.status_code
    assert accepted == {}


def test_a_customer_id_reused_in_another_channel_never_shares_an_account_number(
    customer_api: CustomerApi,
) -> None:
    """A client-chosen GUID is the customer's reference in every channel once converted: one customer."""
    customer_id = str(uuid.uuid4())
    (first_channel, first_key), (second_channel, second_key) = (
        customer_api.channels["async"],
        customer_api.channels["async-basic"],
    )
    first = customer_api.api.create_customer(first_channel, first_key, person(customerId=customer_id))
    assert first.status_code == 201, first.text
    second = customer_api.api.create_customer(
        second_channel, second_key, person(customerId=customer_id, firstName="Grace", lastName="Hopper")
    )
    assert second.status_code in (201, 409), second.text
    if second.status_code == 409:
        assert second.json()["type"].endswith("customer-id-conflict")
        return
    assert customer_api.api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    first_now = customer_api.api.customer(first_channel, first_key, customer_id).json()
    second_now = customer_api.api.customer(second_channel, second_key, customer_id).json()
    assert first_now["accountNumber"] != second_now["accountNumber"]
    by_account = customer_api.api.customer(first_channel, first_key, first_now["accountNumber"]).json()
    assert (by_account["firstName"], by_account["channelId"]) == ("Ada", first_channel)

"""Hostile input over HTTP: every odd value is data or a precise problem+json, never a 500.

Quotes and OData operators in names, odd route values, oversized headers, malformed and deeply
nested JSON, bodies at the size limit, wrong JSON types, and one rejecting case per validation rule
the unit tests (tests/unit/test_customer_validation.py) leave to the HTTP layer.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from functions.http_api import MAX_BODY_BYTES
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import person
from tests.support.inspection import channel_rows
from tests.support.local_host import running_host

PROBLEM_JSON = "application/problem+json"
ODATA_NAMES = ["O'Brien", "x' or PartitionKey ne 'x", "a eq b", ") or (1 eq 1"]
ADDRESS = {"street": "1 Rue de Rivoli", "city": "Paris", "countryRegionId": "FRA"}


@pytest.fixture(scope="module")
def api(storage_connection_string: str) -> Iterator[ApiClient]:
    """One host for the module: every test below only sends requests and reads answers."""
    with running_host(storage_connection_string) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert isinstance(problem["type"], str) and problem["type"]
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    if slug is not None:
        assert problem["type"].endswith("/" + slug), problem
    return problem


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def post_raw(api: ApiClient, channel_id: str, key: dict[str, str], content: bytes) -> httpx.Response:
    return api.http.post(
        f"/api/channels/{channel_id}/customers",
        content=content,
        headers={**key, "Content-Type": "application/json"},
    )


def synced_customer(api: ApiClient, channel_id: str, key: dict[str, str]) -> dict[str, Any]:
    created = api.create_customer(channel_id, key, person())
    assert created.status_code == 201, created.text
    if created.json()["syncStatus"] != "Synced":  # HQ was slow: the create fell back to async
        assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    customer: dict[str, Any] = api.customer(channel_id, key, created.json()["customerId"]).json()
    assert customer["syncStatus"] == "Synced", customer
    return customer


# -- quotes and OData operators are data ---------------------------------------------------


@pytest.mark.parametrize("name", ODATA_NAMES)
def test_quotes_and_odata_operators_in_names_are_stored_byte_for_byte(api: ApiClient, name: str) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    created = api.create_customer(channel_id, key, person(firstName=name, lastName=name))
    assert created.status_code == 201, created.text
    customer_id = created.json()["customerId"]

    read = api.customer(channel_id, key, customer_id)
    assert read.status_code == 200, read.text
    assert read.content.count(json.dumps(name).encode()) == 2
    assert (read.json()["firstName"], read.json()["lastName"]) == (name, name)


@pytest.mark.parametrize("ref", ["x' or '1' eq '1", "' or PartitionKey ne '", "C0' or RowKey gt '"])
def test_odata_looking_ref_finds_no_customer(api: ApiClient, ref: str) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    assert api.create_customer(channel_id, key, person()).status_code == 201
    assert_problem(api.customer(channel_id, key, ref), 404, "customer-not-found")


def test_odata_looking_search_finds_only_the_customer_of_that_name(api: ApiClient) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    family = "Hostile" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
    for name in ODATA_NAMES:
        body = person(firstName=name, lastName=family, email=None, phone=None)
        assert api.create_customer(channel_id, key, body).status_code == 201

    found = api.http.get(
        f"/api/channels/{channel_id}/customers", params={"search": f"{ODATA_NAMES[1]} {family}"}, headers=key
    )
    assert found.status_code == 200, found.text
    assert [item["firstName"] for item in found.json()["items"]] == [ODATA_NAMES[1]]


# -- route values ------------------------------------------------------------------------------

HOSTILE_CHANNEL_SEGMENTS = {
    "100 characters": "s" * 100,
    "64 characters": "s" * 64,
    "one character": "s",
    "upper case": "STORE-042",
    "leading hyphen": "-store",
    "underscore": "store_042",
    "encoded slash": "store%2F042",
    "encoded NUL": "store%00042",
    "encoded newline": "store-042%0A",
    "unicode": "st%C3%B6re-042",
    "fullwidth digits": "store-%EF%BC%90%EF%BC%94%EF%BC%92",
    "dot dot": "%2E%2E",
    "dot dot slash": "%2E%2E%2F%2E%2E%2Fsync%2Fruns",
    "space": "store%20042",
    "leading space": "%20store-042",
}


@pytest.mark.parametrize("segment", HOSTILE_CHANNEL_SEGMENTS.values(), ids=HOSTILE_CHANNEL_SEGMENTS.keys())
def test_hostile_channel_id_is_refused_by_name_on_put(api: ApiClient, segment: str) -> None:
    problem = assert_problem(
        api.http.put(f"/api/channels/{segment}", json={"name": "Store"}, headers=ADMIN),
        422,
        "validation-error",
    )
    assert fields_of(problem) == {"channelId"}


@pytest.mark.parametrize("segment", HOSTILE_CHANNEL_SEGMENTS.values(), ids=HOSTILE_CHANNEL_SEGMENTS.keys())
def test_hostile_channel_id_is_not_found_on_read(api: ApiClient, segment: str) -> None:
    assert_problem(api.http.get(f"/api/channels/{segment}", headers=ADMIN), 404, "channel-not-found")
    assert_problem(api.http.post(f"/api/channels/{segment}/keys", headers=ADMIN), 404, "channel-not-found")


HOSTILE_REFS = {
    "2,000 characters": "C" * 2000,
    "2,000 hex digits": "a" * 2000,
    "encoded hash": "C000000001%23x",
    "encoded question mark": "C000000001%3Fx=1",
    "backslash": "C000000001%5C..",
    "encoded slash": "C000000001%2F..",
    "control characters": "C0%01%02%7F",
    "encoded CR LF": "C0%0D%0AX-Injected:%201",
    "encoded NUL": "C000000001%00",
    "dot": "%2E",
    "dot dot": "%2E%2E",
    "GUID with a tail": "3f2b6c1e-7d1a-4c7e-9d43-1b2a3c4d5e6f%2F..",
    "GUID in braces": "%7B3f2b6c1e-7d1a-4c7e-9d43-1b2a3c4d5e6f%7D",
}


@pytest.mark.parametrize("ref", HOSTILE_REFS.values(), ids=HOSTILE_REFS.keys())
def test_hostile_customer_ref_is_not_found(api: ApiClient, ref: str) -> None:
    channel_id, key = api.new_channel()
    assert_problem(
        api.http.get(f"/api/channels/{channel_id}/customers/{ref}", headers=key), 404, "customer-not-found"
    )


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("idempotency_key", ["k" * 1000, "k" * 201, ""], ids=["1000", "201", "empty"])
def test_idempotency_key_outside_1_to_200_characters_is_400_and_nothing_is_written(
    api: ApiClient, storage_connection_string: str, idempotency_key: str
) -> None:
    channel_id, key = api.new_channel()
    response = api.http.post(
        f"/api/channels/{channel_id}/customers",
        json=person(),
        headers={**key, "Idempotency-Key": idempotency_key},
    )
    assert_problem(response, 400, "invalid-request")
    assert channel_rows(storage_connection_string, channel_id) == []


def test_idempotency_key_of_200_characters_is_taken(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    headers = {**key, "Idempotency-Key": "k" * 200}
    first = api.http.post(f"/api/channels/{channel_id}/customers", json=person(), headers=headers)
    again = api.http.post(f"/api/channels/{channel_id}/customers", json=person(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["customerId"] == first.json()["customerId"]


@pytest.mark.parametrize("if_match", ["garbage", '"*"', 'W/"1"', "x" * 1000, ""])
def test_if_match_garbage_on_a_synced_customer_is_412_and_changes_nothing(
    api: ApiClient, if_match: str
) -> None:
    channel_id, key = api.new_channel()
    customer = synced_customer(api, channel_id, key)
    path = f"/api/channels/{channel_id}/customers/{customer['customerId']}"

    response = api.http.patch(path, json={"lastName": "Byron"}, headers={**key, "If-Match": if_match})

    assert_problem(response, 412, "version-mismatch")
    after = api.http.get(path, headers=key).json()
    assert (after["lastName"], after["version"]) == ("Lovelace", customer["version"])


# -- bodies ------------------------------------------------------------------------------------

MALFORMED_BODIES = {
    "truncated": b'{"firstName": "Ada",',
    "trailing comma": b'{"firstName": "Ada", "lastName": "Lovelace",}',
    "NaN": b'{"firstName": "Ada", "lastName": "Lovelace", "email": NaN}',
    "Infinity": b'{"firstName": "Ada", "lastName": "Lovelace", "phone": -Infinity}',
    "single quotes": b"{'firstName': 'Ada', 'lastName': 'Lovelace'}",
    "nested 10,000 deep": b"[" * 10_000 + b"]" * 10_000,
    "objects nested 10,000 deep": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "invalid UTF-8": b'{"firstName": "Ad\xff\xfe", "lastName": "Lovelace"}',
    "bare continuation byte": b'{"firstName": "\x80", "lastName": "Lovelace"}',
    "empty": b"",
    "whitespace only": b" \r\n\t ",
    "two documents": b'{"firstName": "Ada", "lastName": "Lovelace"} {}',
}


@pytest.mark.parametrize("content", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_json_is_400_and_nothing_is_written(
    api: ApiClient, storage_connection_string: str, content: bytes
) -> None:
    channel_id, key = api.new_channel()
    assert_problem(post_raw(api, channel_id, key, content), 400, "invalid-request")
    assert channel_rows(storage_connection_string, channel_id) == []


def test_number_too_long_to_read_is_400_and_nothing_is_written(
    api: ApiClient, storage_connection_string: str
) -> None:
    """Valid JSON, but beyond what the parser reads: refused as a body, not answered with a 500."""
    channel_id, key = api.new_channel()
    content = b'{"firstName": "Ada", "lastName": "Lovelace", "phone": ' + b"9" * 5_000 + b"}"
    assert_problem(post_raw(api, channel_id, key, content), 400, "invalid-request")
    assert channel_rows(storage_connection_string, channel_id) == []


@pytest.mark.parametrize(
    "route",
    ["PUT channel", "PATCH customer", "POST address", "POST offline customers"],
)
def test_every_json_route_answers_malformed_json_with_400(api: ApiClient, route: str) -> None:
    channel_id, key = api.new_channel()
    customer = synced_customer(api, channel_id, key)
    method, path, headers = {
        "PUT channel": ("PUT", f"/api/channels/{channel_id}", ADMIN),
        "PATCH customer": ("PATCH", f"/api/channels/{channel_id}/customers/{customer['customerId']}", key),
        "POST address": (
            "POST",
            f"/api/channels/{channel_id}/customers/{customer['customerId']}/addresses",
            key,
        ),
        "POST offline customers": ("POST", f"/api/channels/{channel_id}/offline-customers", key),
    }[route]
    for content in (MALFORMED_BODIES["truncated"], MALFORMED_BODIES["nested 10,000 deep"]):
        response = api.http.request(
            method, path, content=content, headers={**headers, "Content-Type": "application/json"}
        )
        assert_problem(response, 400, "invalid-request")


@pytest.mark.parametrize("text", [r"\ud800", r"Ada\udfff", r"\udfff\ud800"])
def test_lone_surrogate_escapes_are_422_naming_the_field(
    api: ApiClient, storage_connection_string: str, text: str
) -> None:
    channel_id, key = api.new_channel()
    content = b'{"firstName": "' + text.encode() + b'", "lastName": "Lovelace"}'
    problem = assert_problem(post_raw(api, channel_id, key, content), 422, "validation-error")
    assert fields_of(problem) == {"firstName"}
    assert channel_rows(storage_connection_string, channel_id) == []


@pytest.mark.parametrize(
    "content", [b'"Ada Lovelace"', b'[{"firstName": "Ada", "lastName": "Lovelace"}]', b"null", b"42", b"true"]
)
def test_json_that_is_not_an_object_is_422_naming_the_body(api: ApiClient, content: bytes) -> None:
    channel_id, key = api.new_channel()
    problem = assert_problem(post_raw(api, channel_id, key, content), 422, "validation-error")
    assert fields_of(problem) == {"body"}


def _padded_to(size: int) -> bytes:
    """A valid customer body of exactly `size` bytes: JSON allows any run of spaces before `}`."""
    core = json.dumps(person()).encode()
    return core[:-1] + b" " * (size - len(core)) + b"}"


def test_body_of_exactly_64_kib_is_parsed_and_accepted(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    body = _padded_to(MAX_BODY_BYTES)
    assert len(body) == 65_536
    response = post_raw(api, channel_id, key, body)
    assert response.status_code == 201, response.text
    assert response.json()["lastName"] == "Lovelace"


def test_body_one_byte_over_64_kib_is_413_and_nothing_is_written(
    api: ApiClient, storage_connection_string: str
) -> None:
    channel_id, key = api.new_channel()
    body = _padded_to(MAX_BODY_BYTES + 1)
    assert len(body) == 65_537
    assert_problem(post_raw(api, channel_id, key, body), 413, "payload-too-large")
    assert channel_rows(storage_connection_string, channel_id) == []


WRONG_TYPES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "number as firstName": (person(firstName=42), {"firstName"}),
    "number as lastName": (person(lastName=1.5), {"lastName"}),
    "number as email": (person(email=1), {"email"}),
    "number as phone": (person(phone=2065550100), {"phone"}),
    "numbers in additionalEmails": (person(additionalEmails=["a@example.com", 7]), {"additionalEmails[1]"}),
    "number as city": (person(addresses=[{**ADDRESS, "city": 75001}]), {"addresses[0].city"}),
    "object as title": (person(title={"text": "Dr."}), {"title"}),
    "string as affiliations": (person(affiliations="Employee"), {"affiliations"}),
    "object as addresses": (person(addresses=ADDRESS), {"addresses"}),
    "null firstName of a Person": (person(firstName=None), {"firstName"}),
    "null lastName of a Person": (person(lastName=None), {"lastName"}),
    "null organizationName": (
        {"customerType": "Organization", "organizationName": None},
        {"organizationName"},
    ),
    "null street": (person(addresses=[{**ADDRESS, "street": None}]), {"addresses[0].street"}),
    "null city": (person(addresses=[{**ADDRESS, "city": None}]), {"addresses[0].city"}),
    "null countryRegionId": (
        person(addresses=[{**ADDRESS, "countryRegionId": None}]),
        {"addresses[0].countryRegionId"},
    ),
    "true as customerType": (person(customerType=True), {"customerType"}),
    "false as customerType": (person(customerType=False), {"customerType"}),
    "lower-case customerType": (person(customerType="person"), {"customerType"}),
    "number as customerId": (person(customerId=12345), {"customerId"}),
}


@pytest.mark.parametrize(("body", "fields"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_json_types_are_422_naming_the_field(
    api: ApiClient, storage_connection_string: str, body: dict[str, Any], fields: set[str]
) -> None:
    channel_id, key = api.new_channel()
    problem = assert_problem(api.create_customer(channel_id, key, body), 422, "validation-error")
    assert fields_of(problem) == fields
    assert channel_rows(storage_connection_string, channel_id) == []


# -- one rejecting case per validation rule the unit tests leave open -------------------------

RULES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "organizationName over 60": (
        {"customerType": "Organization", "organizationName": "O" * 61},
        {"organizationName"},
    ),
    "organizationName blank": (
        {"customerType": "Organization", "organizationName": "   "},
        {"organizationName"},
    ),
    "lastName over 60": (person(lastName="L" * 61), {"lastName"}),
    "middleName over 60": (person(middleName="M" * 61), {"middleName"}),
    "middleName blank": (person(middleName=" \t "), {"middleName"}),
    "title over 60": (person(title="T" * 61), {"title"}),
    "e-mail over 254": (person(email="a" * 64 + "@" + "b" * 185 + ".example"), {"email"}),
    "phone input over 40": (person(phone="+1" + " " * 30 + "206 555 0100"), {"phone"}),
    "11 additional phones": (
        person(additionalPhones=[f"+1206555{index:04d}" for index in range(100, 111)]),
        {"additionalPhones"},
    ),
    "21 affiliations": (person(affiliations=[f"Group {index}" for index in range(21)]), {"affiliations"}),
    "affiliation over 60": (person(affiliations=["A" * 61]), {"affiliations[0]"}),
    "affiliation empty": (person(affiliations=[""]), {"affiliations[0]"}),
    "customerId not a GUID": (person(customerId="not-a-guid"), {"customerId"}),
    "21 addresses": (person(addresses=[ADDRESS] * 21), {"addresses"}),
    "address country XXX": (
        person(addresses=[{**ADDRESS, "countryRegionId": "XXX"}]),
        {"addresses[0].countryRegionId"},
    ),
    "address country alpha-2": (
        person(addresses=[{**ADDRESS, "countryRegionId": "FR"}]),
        {"addresses[0].countryRegionId"},
    ),
    "address purpose Office": (
        person(addresses=[{**ADDRESS, "purpose": "Office"}]),
        {"addresses[0].purpose"},
    ),
    "address isPrimary 'yes'": (
        person(addresses=[{**ADDRESS, "isPrimary": "yes"}]),
        {"addresses[0].isPrimary"},
    ),
    "address isPrimary 1": (person(addresses=[{**ADDRESS, "isPrimary": 1}]), {"addresses[0].isPrimary"}),
    "address street over 250": (
        person(addresses=[{**ADDRESS, "street": "S" * 251}]),
        {"addresses[0].street"},
    ),
    "address street missing": (
        person(addresses=[{"city": "Paris", "countryRegionId": "FRA"}]),
        {"addresses[0].street"},
    ),
    "address city over 60": (person(addresses=[{**ADDRESS, "city": "C" * 61}]), {"addresses[0].city"}),
    "address city blank": (person(addresses=[{**ADDRESS, "city": "  "}]), {"addresses[0].city"}),
    "address state over 60": (person(addresses=[{**ADDRESS, "state": "S" * 61}]), {"addresses[0].state"}),
    "address name over 60": (person(addresses=[{**ADDRESS, "name": "N" * 61}]), {"addresses[0].name"}),
    "address zipCode over 20": (
        person(addresses=[{**ADDRESS, "zipCode": "7" * 21}]),
        {"addresses[0].zipCode"},
    ),
    "address unknown field": (person(addresses=[{**ADDRESS, "floor": 3}]), {"addresses[0].floor"}),
    "additional phone invalid": (person(additionalPhones=["+12065550100", "12"]), {"additionalPhones[1]"}),
}


@pytest.mark.parametrize(("body", "fields"), RULES.values(), ids=RULES.keys())
def test_each_customer_rule_rejects_with_422_naming_the_field(
    api: ApiClient, storage_connection_string: str, body: dict[str, Any], fields: set[str]
) -> None:
    channel_id, key = api.new_channel()
    problem = assert_problem(api.create_customer(channel_id, key, body), 422, "validation-error")
    assert fields_of(problem) == fields
    assert channel_rows(storage_connection_string, channel_id) == []


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "0"], ids=["yes", "true", "1", "0", "string 0"])
def test_channel_profile_flags_must_be_json_booleans(api: ApiClient, value: Any) -> None:
    channel_id = f"store-{uuid.uuid4().hex[:12]}"
    response = api.http.put(
        f"/api/channels/{channel_id}", json={"asyncCustomerCreation": value}, headers=ADMIN
    )
    problem = assert_problem(response, 422, "validation-error")
    assert fields_of(problem) == {"asyncCustomerCreation"}
    assert_problem(api.http.get(f"/api/channels/{channel_id}", headers=ADMIN), 404, "channel-not-found")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("firstName", "Ada\x00"),
        ("lastName", "Love\r\nlace"),
        ("lastName", "Lovelace\n"),
        ("firstName", "\u202eadA"),
        ("title", "Ms.\u2066"),
        ("middleName", "C1\x85"),
        ("firstName", "A\u200bda"),  # zero-width space
        ("lastName", "\ufeffLovelace"),  # byte order mark
        ("lastName", "Love\u200elace"),  # left-to-right mark
        ("title", "Ms.\U000e0041"),  # tag character
        ("firstName", "Ada\u2028"),  # line separator
        ("lastName", "Love\u2029lace"),  # paragraph separator
        ("lastName", "Lovelace\uffff"),  # noncharacter
        ("firstName", "Ada\ufdd0"),  # noncharacter
        ("lastName", "Love\ue000lace"),  # private use
        ("email", "ada\u200b@example.com"),
    ],
)
def test_control_format_and_private_use_characters_are_422_naming_the_field(
    api: ApiClient, storage_connection_string: str, field: str, value: str
) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    problem = assert_problem(api.create_customer(channel_id, key, person(**{field: value})), 422)
    assert fields_of(problem) == {field}
    assert channel_rows(storage_connection_string, channel_id) == []


@pytest.mark.parametrize(
    "customer_id",
    [
        "00000000-0000-0000-0000-000000000000",  # nil
        "ffffffff-ffff-ffff-ffff-ffffffffffff",  # max
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # version 1
        "3d813cbb-47fb-32ba-91df-831e1593ac29",  # version 3
        "00000000-0000-4000-0000-000000000001",  # version 4 bits, not the RFC variant
    ],
)
def test_a_customer_id_that_is_no_random_uuid_is_422(api: ApiClient, customer_id: str) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    problem = assert_problem(api.create_customer(channel_id, key, person(customerId=customer_id)), 422)
    assert fields_of(problem) == {"customerId"}


def test_duplicate_keys_in_a_json_object_are_400(api: ApiClient, storage_connection_string: str) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    content = b'{"firstName": "Ada", "lastName": "Lovelace", "lastName": "Byron"}'
    assert_problem(post_raw(api, channel_id, key, content), 400, "invalid-request")
    assert channel_rows(storage_connection_string, channel_id) == []


@pytest.mark.parametrize(
    "content", [b'{"firstName": "\xff"}', b'{"n": ' + b"9" * 5000 + b"}", b'{"a": NaN}', b"{'single': 1}"]
)
def test_error_details_are_our_words_never_python_internals(api: ApiClient, content: bytes) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    detail = assert_problem(post_raw(api, channel_id, key, content), 400)["detail"]
    for internal in ("codec", "sys.", "set_int_max_str_digits", "Expecting", "decode byte", "Traceback"):
        assert internal not in detail, detail


@pytest.mark.parametrize("limit", ["\u0967", "\u0661", "1\u0660", "+5", "5 "])
def test_numeric_query_values_take_ascii_digits_only(api: ApiClient, limit: str) -> None:
    response = api.http.get("/api/sync/operations", params={"limit": limit}, headers=ADMIN)
    assert fields_of(assert_problem(response, 422)) == {"limit"}


def test_answers_carrying_personal_data_are_never_stored_by_caches(api: ApiClient) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    created = api.create_customer(channel_id, key, person())
    customer_id = created.json()["customerId"]
    answers = [
        created,
        api.customer(channel_id, key, customer_id),
        api.http.get(f"/api/channels/{channel_id}/customers", params={"search": "Lovelace"}, headers=key),
        api.create_customer(channel_id, key, person(firstName="")),
    ]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.request.url


def test_a_problem_instance_is_the_request_path_only(api: ApiClient) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    response = api.http.post(
        f"/api/channels/{channel_id}/customers?trace=1",
        json=person(firstName=""),
        headers={**key, "Host": "attacker.example:8443"},
    )
    assert assert_problem(response, 422)["instance"] == f"/api/channels/{channel_id}/customers"

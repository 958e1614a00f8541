"""Route templates and method matching, without a server."""

from __future__ import annotations

import pytest

from devhost.errors import HostStartupError
from devhost.routing import RouteMatch, RouteMiss, RouteTable, RouteTemplate


def test_parameters_are_extracted() -> None:
    template = RouteTemplate("api/customers/{customerId}/contacts/{contactId}")
    assert template.match("api/customers/C001/contacts/7") == {"customerId": "C001", "contactId": "7"}
    assert template.match("api/customers/C001") is None


def test_route_values_are_percent_decoded_by_the_table() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("api/customers/{name}", None, "customer")
    assert table.resolve("GET", "/api/customers/Ann%20Lee") == RouteMatch("customer", {"name": "Ann Lee"})


def test_literal_segments_match_case_insensitively_but_values_keep_their_case() -> None:
    assert RouteTemplate("api/Customers/{id}").match("API/customers/AbC") == {"id": "AbC"}


def test_int_constraint_rejects_non_numbers() -> None:
    template = RouteTemplate("api/items/{id:int}")
    assert template.match("api/items/42") == {"id": "42"}
    assert template.match("api/items/-3") == {"id": "-3"}
    assert template.match("api/items/abc") is None
    assert template.match("api/items/99999999999") is None  # beyond Int32


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        ("alpha", "abc", "ab1"),
        ("guid", "0f8fad5b-d9cb-469f-a165-70867728950e", "not-a-guid"),
        ("bool", "True", "yes"),
        ("regex(^C\\d+$)", "C123", "X12"),
        ("int:min(1)", "1", "0"),
        ("length(2,3)", "abc", "abcd"),
    ],
)
def test_constraints(constraint: str, good: str, bad: str) -> None:
    template = RouteTemplate("v/{value:" + constraint + "}")
    assert template.match(f"v/{good}") == {"value": good}
    assert template.match(f"v/{bad}") is None


def test_optional_parameter_may_be_absent() -> None:
    template = RouteTemplate("api/reports/{year?}")
    assert template.match("api/reports/2024") == {"year": "2024"}
    assert template.match("api/reports") == {}


def test_default_value_fills_an_absent_parameter() -> None:
    assert RouteTemplate("api/page/{number=1}").match("api/page") == {"number": "1"}


def test_catch_all_takes_the_rest_of_the_path() -> None:
    template = RouteTemplate("api/files/{*path}")
    assert template.match("api/files/a/b/c.txt") == {"path": "a/b/c.txt"}
    assert template.match("api/files") == {}


def test_trailing_slash_is_ignored() -> None:
    assert RouteTemplate("api/items").match("api/items/") == {}


def test_unknown_constraint_fails_at_start_up() -> None:
    with pytest.raises(HostStartupError, match="unknown constraint"):
        RouteTemplate("api/{id:integer}")


def test_catch_all_must_be_last() -> None:
    with pytest.raises(HostStartupError, match="last segment"):
        RouteTemplate("api/{*rest}/more")


def _table() -> RouteTable[str]:
    table: RouteTable[str] = RouteTable()
    table.add("api/items/{id}", ["GET", "PUT"], "item")
    table.add("api/items/special", ["GET"], "special")
    table.add("api/items/{id:int}/history", None, "history")
    table.add("api/items", ["POST"], "create")
    return table


def test_literal_route_wins_over_parameter_route() -> None:
    resolved = _table().resolve("GET", "/api/items/special")
    assert resolved == RouteMatch("special", {})


def test_method_chooses_between_routes_matching_the_same_path() -> None:
    # PUT is not allowed on the literal route, so the parameter route takes it.
    assert _table().resolve("PUT", "/api/items/special") == RouteMatch("item", {"id": "special"})


def test_route_without_methods_accepts_any_method() -> None:
    assert _table().resolve("DELETE", "/api/items/5/history") == RouteMatch("history", {"id": "5"})


def test_wrong_method_reports_the_allowed_ones() -> None:
    assert _table().resolve("DELETE", "/api/items/5") == RouteMiss(("GET", "PUT"))
    assert _table().resolve("GET", "/api/items") == RouteMiss(("POST",))


def test_unknown_path_is_a_miss_without_methods() -> None:
    assert _table().resolve("GET", "/api/nothing/here") == RouteMiss(())

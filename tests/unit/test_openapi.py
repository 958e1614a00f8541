"""The OpenAPI document is generated from what the app registers, one declaration per route."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import azure.functions as func
import pytest

import function_app
from devhost.indexing import HTTP_TRIGGER, index_app
from functions.endpoint import Parameter, function_name_of, operation_of
from functions.openapi import ROUTE_PREFIX, UndescribedRoute, build_openapi, describe
from shared.domain.errors import ValidationFailed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "patch", "delete"}


def registered_http_routes() -> set[tuple[str, str]]:
    """Indexed as the local host indexes the app, so this sees exactly what the host serves."""
    return {
        (f"/{ROUTE_PREFIX}/{spec.trigger.properties['route']}", method.lower())
        for spec in index_app(function_app.app)
        if spec.trigger.type == HTTP_TRIGGER
        for method in spec.trigger.properties["methods"]
    }


def described_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method) for path, item in document["paths"].items() for method in item if method in METHODS
    }


def test_the_document_describes_exactly_the_registered_routes() -> None:
    assert described_routes(build_openapi(function_app.app)) == registered_http_routes()


def test_a_registered_route_without_a_declaration_stops_the_document() -> None:
    probe = func.Blueprint()

    @probe.route(route="undeclared", methods=["GET"])
    def undeclared(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(probe)
    with pytest.raises(UndescribedRoute, match="undeclared"):
        describe(app.get_functions())


def test_route_prefix_is_the_one_host_json_sets() -> None:
    host = json.loads((PROJECT_ROOT / "host.json").read_text())
    assert host["extensions"]["http"]["routePrefix"] == ROUTE_PREFIX


def test_schemas_come_from_the_models_and_all_references_resolve() -> None:
    document = build_openapi(function_app.app)
    schemas = document["components"]["schemas"]
    assert {"CustomerCreate", "CustomerPublic", "CustomerUpdate", "Channel", "Problem"} <= set(schemas)
    for name in re.findall(r"#/components/schemas/(\w+)", json.dumps(document)):
        assert name in schemas
    assert schemas["CustomerCreate"]["additionalProperties"] is False


def test_one_openapi_version_throughout() -> None:
    """3.1 says `null` as a type; 3.0's `nullable` must not appear."""
    document = build_openapi(function_app.app)
    assert document["openapi"].startswith("3.1")
    assert '"nullable"' not in json.dumps(document)


def test_open_routes_are_exactly_health_status_this_document_and_the_console_page() -> None:
    """The console's page and files hold no data: its data routes all ask for the admin key."""
    document = build_openapi(function_app.app)
    open_routes = {
        path
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and operation.get("security") == []
    }
    assert open_routes == {
        "/api/health",
        "/api/sync/status",
        "/api/openapi.json",
        "/api/console",
        "/api/console/{file}",
    }


def declared_numbers() -> list[tuple[str, Parameter]]:
    found = []
    for function in function_app.app.get_functions():
        operation = operation_of(function.get_user_function())
        if operation is None:
            continue
        for parameter in operation.parameters:
            if parameter.location == "query" and get_args(parameter.type_)[:1] == (int,):
                found.append((operation.operation_id, parameter))
    return found


def test_a_query_bound_is_documented_and_enforced_from_one_declaration() -> None:
    document = build_openapi(function_app.app)
    documented = {
        (operation["operationId"], parameter["name"]): parameter["schema"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }
    numbers = declared_numbers()
    assert len(numbers) >= 7
    for operation_id, parameter in numbers:
        schema = documented[(operation_id, parameter.name)]
        high = schema["maximum"]
        assert parameter.parse(str(high)) == high
        assert parameter.parse(None) == parameter.default and 1 <= parameter.default <= high
        for refused in (str(high + 1), str(schema["minimum"] - 1), "\u0967", "+5"):
            with pytest.raises(ValidationFailed) as caught:
                parameter.parse(refused)
            assert [error.field for error in caught.value.errors] == [parameter.name]


def test_a_function_is_named_by_its_operation() -> None:
    for function in function_app.app.get_functions():
        operation = operation_of(function.get_user_function())
        if operation is not None:
            assert function.get_function_name() == function_name_of(operation)


def test_every_route_ops_call_names_its_role_and_every_admin_change_is_audited() -> None:
    methods = {
        spec.name: {str(method).upper() for method in spec.trigger.properties["methods"]}
        for spec in index_app(function_app.app)
        if spec.trigger.type == HTTP_TRIGGER
    }
    for function in function_app.app.get_functions():
        operation = operation_of(function.get_user_function())
        if operation is None:
            continue  # the queue and the timer
        for_ops = operation.caller in ("admin", "channel-or-admin", "any-key")
        assert (operation.role is not None) == for_ops, operation.operation_id
        if operation.caller == "admin" and methods[function_name_of(operation)] - {"GET"}:
            assert operation.audit, f"{operation.operation_id} changes something and is not audited"
    document = build_openapi(function_app.app)
    assert document["paths"]["/api/audit"]["get"]["x-required-role"] == "Privacy.Officer"
    assert document["paths"]["/api/duplicates/{duplicateId}/merge"]["post"]["x-required-role"] == (
        "Customers.Steward"
    )

"""`GET /api/openapi.json`: OpenAPI 3.1, generated from what the app registers.

Paths and methods come from the indexed functions (the decorators' routes), parameters of the path
from the route templates, and the rest from each route's `Operation` declaration and the pydantic
models it names. A registered route without a declaration stops the document from being built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import azure.functions as func
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint, operation_of
from functions.http_api import json_response
from functions.responses import Problem
from shared.bootstrap import AppDependencies
from shared.domain.identifiers import CHANNEL_ID_PATTERN

ROUTE_PREFIX = "api"  # host.json extensions.http.routePrefix; a test keeps the two the same
PATH_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "channelId": {"type": "string", "pattern": CHANNEL_ID_PATTERN.pattern},
}
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "A channel key (POST /api/channels/{channelId}/keys); for ops, an Entra ID access "
    "token carrying the route's app role (x-required-role), or ADMIN_API_KEY, which holds every role.",
}


class UndescribedRoute(Exception):
    """An HTTP function was registered without an `Operation` declaration."""


def blueprint(app: AppDependencies, registered: Callable[[], Iterable[Any]]) -> func.Blueprint:
    """`registered` answers the functions the app registered, this one among them."""
    routes = func.Blueprint()
    document: list[dict[str, Any]] = []  # built on the first call, from what the app registered

    @routes.route(route="openapi.json", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getOpenApi", "This document", caller="anyone", answers={200: Answer(None, "OpenAPI document")}
        ),
    )
    def get_openapi(call: Call) -> func.HttpResponse:
        if not document:
            document.append(describe(registered()))
        return json_response(document[0])

    return routes


def build_openapi(app: func.FunctionApp) -> dict[str, Any]:
    """The document of every HTTP function `app` registers, indexed as the host indexes them."""
    return describe(app.get_functions())


def describe(functions: Iterable[Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {Problem}
    for function in functions:
        if not function.is_http_function():
            continue
        trigger = function.get_trigger().get_dict_repr()
        operation = operation_of(function.get_user_function())
        if operation is None:
            raise UndescribedRoute(
                f"HTTP function '{function.get_function_name()}' has no Operation declaration"
            )
        route = str(trigger["route"])
        item = paths.setdefault(f"/{ROUTE_PREFIX}/{route}", _path_item(route))
        for method in trigger["methods"]:
            item[str(getattr(method, "value", method)).lower()] = _operation(operation)
        models.update(_models_of(operation))
    _, schemas = models_json_schema(
        [(model, "serialization") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commerce async customers",
            "version": "1.0.0",
            "description": (
                "The app's own keys are the only keys: a channel key or the admin key as a bearer "
                "token. No platform function key (x-functions-key, ?code=) is ever needed."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas.get("$defs", {}), "securitySchemes": {"bearer": SECURITY_SCHEME}},
        "security": [{"bearer": []}],
    }


def _path_item(route: str) -> dict[str, Any]:
    names = re.findall(r"\{([^}:?=*]+)", route)
    if not names:
        return {}
    return {
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": PATH_PARAMETER_SCHEMAS.get(name, {"type": "string"}),
            }
            for name in names
        ]
    }


def _operation(operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "responses": {
            **{str(status): _answer(answer) for status, answer in sorted(operation.answers.items())},
            **_problems(operation.problems),
        },
    }
    if operation.body is not None:
        document["requestBody"] = {"required": True, "content": {JSON: {"schema": _ref(operation.body)}}}
    if operation.parameters:
        document["parameters"] = [_parameter(parameter) for parameter in operation.parameters]
    if operation.caller == "anyone":
        document["security"] = []
    if operation.role is not None:
        document["x-required-role"] = operation.role.value
    return document


def _answer(answer: Answer) -> dict[str, Any]:
    if answer.model is None:
        return {"description": answer.description}
    return {"description": answer.description, "content": {JSON: {"schema": _ref(answer.model)}}}


def _problems(statuses: tuple[int, ...]) -> dict[str, Any]:
    """Error answers of a route; 503 (storage or HQ unavailable, with Retry-After) can come from any."""
    if not statuses:
        return {}
    problem = {"description": "Problem", "content": {PROBLEM_JSON: {"schema": _ref(Problem)}}}
    return {str(status): problem for status in sorted({*statuses, 503})}


def _parameter(parameter: Parameter) -> dict[str, Any]:
    schema = TypeAdapter(parameter.type_).json_schema()
    schema.pop("title", None)
    described: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "required": parameter.required,
        "schema": schema,
    }
    if parameter.location == "query" and not parameter.required:
        # The Functions host drops a query parameter whose value is empty: `?status=` is no filter.
        described["allowEmptyValue"] = True
    return described


def _models_of(operation: Operation) -> list[type[BaseModel]]:
    answered = [answer.model for answer in operation.answers.values() if answer.model is not None]
    return answered + ([operation.body] if operation.body is not None else [])


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}

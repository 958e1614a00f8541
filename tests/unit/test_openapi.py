"""The OpenAPI document describes every HTTP route the app registers."""

from __future__ import annotations

import re

import function_app
from functions.openapi import build_openapi


def registered_http_routes() -> set[tuple[str, str]]:
    routes = set()
    for function in function_app.app.get_functions():
        trigger = function.get_trigger().get_dict_repr()
        if trigger["type"] != "httpTrigger":
            continue
        for method in trigger["methods"]:
            name = method.value if hasattr(method, "value") else str(method)
            routes.add(("/api/" + trigger["route"], name.lower()))
    return routes


def test_every_registered_route_is_described() -> None:
    document = build_openapi()
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert registered_http_routes() <= described


def test_schemas_come_from_the_models_and_all_references_resolve() -> None:
    document = build_openapi()
    schemas = document["components"]["schemas"]
    assert {"CustomerCreate", "CustomerPublic", "Channel", "Problem"} <= set(schemas)
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in schemas
    assert schemas["CustomerCreate"]["additionalProperties"] is False

"""`GET /api/openapi.json`: the OpenAPI 3.1 description, its schemas generated from the pydantic models."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

from functions.http_api import api_endpoint, json_response
from shared.domain.channel import Channel, ChannelUpsert
from shared.domain.customer import (
    Address,
    AddressCreate,
    CustomerCreate,
    CustomerPublic,
    CustomerUpdate,
)
from shared.domain.operations import SyncOperation
from shared.domain.sync import RunSummary, SyncStatusReport

blueprint = func.Blueprint()


class FieldProblem(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class IssuedKey(BaseModel):
    key_id: str = Field(alias="keyId")
    key: str


class Health(BaseModel):
    status: str
    checks: dict[str, str]


class CustomerList(BaseModel):
    items: list[CustomerPublic]


class LoyaltyCard(BaseModel):
    card_number: str = Field(alias="cardNumber")
    account_number: str = Field(alias="accountNumber")
    customer_id: str = Field(alias="customerId")


class OfflineUpload(BaseModel):
    """Customers created while the POS was offline; each carries its own `customerId`."""

    model_config = ConfigDict(extra="forbid")

    customers: list[CustomerCreate] = Field(min_length=1, max_length=100)


class OfflineResult(BaseModel):
    customer_id: str | None = Field(alias="customerId")
    status: int
    customer: CustomerPublic | None = None
    problem: Problem | None = None


class OfflineResults(BaseModel):
    results: list[OfflineResult]


class OperationList(BaseModel):
    items: list[SyncOperation]


MODELS: list[type[BaseModel]] = [
    Channel,
    ChannelUpsert,
    CustomerCreate,
    CustomerPublic,
    Address,
    AddressCreate,
    RunSummary,
    SyncStatusReport,
    Problem,
    IssuedKey,
    Health,
    CustomerUpdate,
    CustomerList,
    LoyaltyCard,
    OfflineUpload,
    OfflineResults,
    OperationList,
    SyncOperation,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _problems(*statuses: int) -> dict[str, Any]:
    """Error answers of a route; 503 (storage or HQ unavailable, with Retry-After) can come from any."""
    problem = {"content": {"application/problem+json": {"schema": _ref(Problem)}}}
    return {str(status): {"description": "Problem", **problem} for status in sorted({*statuses, 503})}


def _operation(
    operation_id: str,
    summary: str,
    *,
    responses: dict[str, Any],
    body: type[BaseModel] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    security: bool = True,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if parameters:
        operation["parameters"] = parameters
    if not security:
        operation["security"] = []
    return operation


def ok(model: type[BaseModel], description: str = "OK") -> dict[str, Any]:
    return {"description": description, **_json(model)}


def _path_param(name: str, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "path", "required": True, "schema": schema}


CHANNEL = _path_param("channelId", "^[a-z0-9][a-z0-9-]{1,62}$")


def build_openapi() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "serialization") for model in MODELS],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, Any] = {
        "/api/channels/{channelId}": {
            "parameters": [CHANNEL],
            "put": _operation(
                "putChannel",
                "Create or update a channel (admin)",
                body=ChannelUpsert,
                responses={
                    "200": ok(Channel, "Updated"),
                    "201": ok(Channel, "Created"),
                    **_problems(400, 401, 403, 413, 422),
                },
            ),
            "get": _operation(
                "getChannel",
                "Read a channel",
                responses={"200": ok(Channel), **_problems(401, 403, 404)},
            ),
        },
        "/api/channels/{channelId}/keys": {
            "parameters": [CHANNEL],
            "post": _operation(
                "issueChannelKey",
                "Issue a channel key (admin)",
                responses={"201": ok(IssuedKey, "Created"), **_problems(401, 403, 404)},
            ),
        },
        "/api/channels/{channelId}/keys/{keyId}": {
            "parameters": [CHANNEL, _path_param("keyId")],
            "delete": _operation(
                "revokeChannelKey",
                "Revoke a channel key (admin)",
                responses={
                    "204": {"description": "Revoked"},
                    **_problems(401, 403, 404),
                },
            ),
        },
        "/api/channels/{channelId}/customers": {
            "parameters": [CHANNEL],
            "get": _operation(
                "searchCustomers",
                "Search by account number, e-mail, phone or name prefix",
                parameters=[
                    {
                        "name": "search",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    }
                ],
                responses={"200": ok(CustomerList), **_problems(401, 403, 404, 422)},
            ),
            "post": _operation(
                "createCustomer",
                "Create a customer (sync, async or fallback)",
                body=CustomerCreate,
                parameters=[
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                    }
                ],
                responses={
                    "201": ok(CustomerPublic, "Created"),
                    "200": ok(CustomerPublic, "Replayed"),
                    **_problems(400, 401, 403, 404, 409, 413, 422, 503),
                },
            ),
        },
        "/api/channels/{channelId}/customers/{ref}": {
            "parameters": [CHANNEL, _path_param("ref")],
            "get": _operation(
                "getCustomer",
                "Read a customer by GUID or account number",
                responses={"200": ok(CustomerPublic), **_problems(401, 403, 404)},
            ),
            "patch": _operation(
                "editCustomer",
                "Edit a customer (409 while pending unless asyncCustomerEdits; If-Match honoured)",
                body=CustomerUpdate,
                parameters=[
                    {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
                ],
                responses={
                    "200": ok(CustomerPublic),
                    **_problems(400, 401, 403, 404, 409, 412, 413, 422, 503),
                },
            ),
        },
        "/api/channels/{channelId}/customers/{ref}/addresses": {
            "parameters": [CHANNEL, _path_param("ref")],
            "post": _operation(
                "addCustomerAddress",
                "Add an address (per asyncCustomerAddresses)",
                body=AddressCreate,
                responses={
                    "201": ok(Address, "Created"),
                    **_problems(400, 401, 403, 404, 409, 413, 422, 503),
                },
            ),
        },
        "/api/channels/{channelId}/customers/{ref}/loyalty-cards": {
            "parameters": [CHANNEL, _path_param("ref")],
            "post": _operation(
                "issueLoyaltyCard",
                "Issue a loyalty card (409 while pending)",
                responses={"201": ok(LoyaltyCard, "Created"), **_problems(401, 403, 404, 409, 503)},
            ),
        },
        "/api/channels/{channelId}/offline-customers": {
            "parameters": [CHANNEL],
            "post": _operation(
                "uploadOfflineCustomers",
                "Upload up to 100 customers created while the POS was offline",
                body=OfflineUpload,
                responses={"200": ok(OfflineResults), **_problems(400, 401, 403, 404, 413, 422)},
            ),
        },
        "/api/sync/operations": {
            "get": _operation(
                "listSyncOperations",
                "Synchronization operations (admin)",
                parameters=[
                    {
                        "name": "status",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["Pending", "Synced", "Failed"]},
                    },
                    {"name": "channelId", "in": "query", "required": False, "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                ],
                responses={"200": ok(OperationList), **_problems(401, 403, 422)},
            ),
        },
        "/api/sync/operations/{operationId}/retry": {
            "parameters": [_path_param("operationId")],
            "post": _operation(
                "retrySyncOperation",
                "Retry one operation (admin)",
                responses={"202": ok(SyncOperation, "Accepted"), **_problems(401, 403, 404, 409)},
            ),
        },
        "/api/sync/status": {
            "get": _operation(
                "getSyncStatus",
                "Synchronization counters",
                responses={"200": ok(SyncStatusReport)},
                security=False,
            ),
        },
        "/api/sync/runs": {
            "post": _operation(
                "runConversionBatch",
                "Run the conversion batch now (admin)",
                responses={"200": ok(RunSummary), **_problems(401, 403)},
            ),
        },
        "/api/health": {
            "get": _operation(
                "getHealth",
                "Storage and HQ reachability",
                responses={"200": ok(Health), "503": ok(Health, "Unhealthy")},
                security=False,
            ),
        },
        "/api/openapi.json": {
            "get": _operation(
                "getOpenApi",
                "This document",
                responses={
                    "200": {
                        "description": "OpenAPI document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
                security=False,
            ),
        },
    }
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
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A channel key (POST /api/channels/{channelId}/keys) or ADMIN_API_KEY.",
                }
            },
        },
        "security": [{"bearer": []}],
    }


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    return build_openapi()


@blueprint.function_name(name="openapi")
@blueprint.route(route="openapi.json", methods=["GET"])
@api_endpoint
def get_openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(openapi_document())

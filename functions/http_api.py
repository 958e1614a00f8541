"""The HTTP conventions of the API: JSON in and out, RFC 9457 problem+json for every error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from shared.domain import errors
from shared.domain.errors import (
    DomainError,
    InvalidRequest,
    PayloadTooLarge,
    ValidationFailed,
)
from shared.services.conversion import ConversionContended
from shared.storage.ports import StorageUnavailable

MAX_BODY_BYTES = 64 * 1024
PROBLEM_TYPE_BASE = "https://commerce-async-customers.dev/problems/"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def json_response(
    body: BaseModel | dict[str, Any] | list[Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    if isinstance(body, BaseModel):
        text = body.model_dump_json(by_alias=True)
    else:
        text = json.dumps(body, default=str)
    return func.HttpResponse(text, status_code=status, headers=headers or {}, mimetype=JSON)


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **(extra or {}),
    }
    return func.HttpResponse(
        json.dumps(problem),
        status_code=status,
        headers=headers or {},
        mimetype=PROBLEM_JSON,
    )


@dataclass(frozen=True)
class HttpAnswer:
    """How the API answers one kind of domain error."""

    status: int
    title: str
    headers: tuple[tuple[str, str], ...] = ()


# Every error a client can meet, by its type: the one place that knows status codes and headers.
ANSWERS: dict[type[DomainError], HttpAnswer] = {
    errors.InvalidRequest: HttpAnswer(400, "The request is malformed"),
    errors.ValidationFailed: HttpAnswer(422, "The request has invalid fields"),
    errors.PayloadTooLarge: HttpAnswer(413, "The request body is too large"),
    errors.Unauthorized: HttpAnswer(
        401, "Authentication required", (("WWW-Authenticate", 'Bearer realm="commerce"'),)
    ),
    errors.Forbidden: HttpAnswer(403, "This key may not access this resource"),
    errors.ChannelNotFound: HttpAnswer(404, "Channel not found"),
    errors.CustomerNotFound: HttpAnswer(404, "Customer not found"),
    errors.NotFound: HttpAnswer(404, "Not found"),
    errors.CustomerIdConflict: HttpAnswer(409, "This customer id was already used with a different request"),
    errors.AsyncCustomerNotEditable: HttpAnswer(409, "A customer pending synchronization cannot be edited"),
    errors.AsyncCustomerLoyaltyUnavailable: HttpAnswer(
        409, "A customer pending synchronization cannot get a loyalty card"
    ),
    errors.AsyncCustomerAddressUnavailable: HttpAnswer(
        409, "A customer pending synchronization cannot get another address"
    ),
    errors.OfflineCreationDisabled: HttpAnswer(403, "This channel does not accept customers created offline"),
    errors.OperationAlreadySynced: HttpAnswer(409, "This synchronization operation is already done"),
    errors.AccountNumberTaken: HttpAnswer(409, "The account number is bound to another customer"),
    errors.VersionMismatch: HttpAnswer(412, "The customer changed since it was read"),
    errors.HeadquartersUnavailable: HttpAnswer(
        503, "Headquarters is not reachable", (("Retry-After", "30"),)
    ),
    StorageUnavailable: HttpAnswer(503, "Storage is not reachable", (("Retry-After", "5"),)),
    ConversionContended: HttpAnswer(
        503, "The customer kept changing during conversion", (("Retry-After", "5"),)
    ),
}
UNMAPPED = HttpAnswer(400, "Request could not be processed")


def answer_for(error: DomainError) -> HttpAnswer:
    for kind in type(error).__mro__:
        answer = ANSWERS.get(kind)
        if answer is not None:
            return answer
    return UNMAPPED


def problem_body(error: DomainError, instance: str) -> dict[str, Any]:
    answer = answer_for(error)
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": answer.title,
        "status": answer.status,
        "detail": error.message,
        "instance": instance,
    }
    if isinstance(error, ValidationFailed):
        problem["errors"] = [{"field": item.field, "message": item.message} for item in error.errors]
    return problem


def problem_for(error: DomainError, instance: str) -> func.HttpResponse:
    answer = answer_for(error)
    return func.HttpResponse(
        json.dumps(problem_body(error, instance)),
        status_code=answer.status,
        headers=dict(answer.headers),
        mimetype=PROBLEM_JSON,
    )


def read_json_body(request: func.HttpRequest) -> Any:
    body = request.get_body() or b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body has {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if not body.strip():
        raise InvalidRequest("The request needs a JSON body")
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidRequest("The body nests too deeply") from None
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError, NaN, oversized integers
        raise InvalidRequest(f"The body is not valid JSON: {error}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def path_of(request: func.HttpRequest) -> str:
    url = request.url
    start = url.find("/", url.find("//") + 2) if "//" in url else 0
    return str(url[start:].split("?", 1)[0] if start >= 0 else url)

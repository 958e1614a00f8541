"""The HTTP conventions of the API: JSON in and out, RFC 9457 problem+json for every error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func
from pydantic import BaseModel

from shared.domain import errors
from shared.domain.errors import (
    ConversionContended,
    DefinitionsContended,
    DomainError,
    DuplicateDismissed,
    DuplicateMergeStarted,
    FoldContended,
    InvalidRequest,
    LinkTargetPending,
    MergeContended,
    MergeExceedsLimits,
    PayloadTooLarge,
    StorageUnavailable,
    ValidationFailed,
)

MAX_BODY_BYTES = 64 * 1024
PROBLEM_TYPE_BASE = "https://commerce-async-customers.dev/problems/"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
# Customers, keys and operations are personal or secret: no browser or proxy may keep a copy. One rule
# for every answer of the app is simpler to trust than a list of the ones that carry such data.
NO_STORE = {"Cache-Control": "no-store"}


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
    return func.HttpResponse(text, status_code=status, headers={**NO_STORE, **(headers or {})}, mimetype=JSON)


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    return func.HttpResponse(
        json.dumps(problem),
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
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
    errors.SignInUnavailable: HttpAnswer(503, "Sign-in is unavailable", (("Retry-After", "5"),)),
    errors.KeySuspended: HttpAnswer(403, "This key is suspended"),
    errors.RoleRequired: HttpAnswer(403, "Your roles do not include this operation"),
    errors.ChannelKindForbidsSearch: HttpAnswer(403, "This channel's kind may not search customers"),
    errors.ChannelNotFound: HttpAnswer(404, "Channel not found"),
    errors.CustomerNotFound: HttpAnswer(404, "Customer not found"),
    errors.NotFound: HttpAnswer(404, "Not found"),
    errors.PrivacyRequestNotReady: HttpAnswer(409, "This request has no document to give yet"),
    errors.CustomerErased: HttpAnswer(410, "This customer was erased at their request"),
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
    errors.CustomerAlreadySynced: HttpAnswer(409, "This customer is synchronized already"),
    errors.AccountNumberTaken: HttpAnswer(409, "The account number is bound to another customer"),
    errors.VersionMismatch: HttpAnswer(412, "The customer changed since it was read"),
    errors.HeadquartersUnavailable: HttpAnswer(
        503, "Headquarters is not reachable", (("Retry-After", "30"),)
    ),
    StorageUnavailable: HttpAnswer(503, "Storage is not reachable", (("Retry-After", "5"),)),
    DuplicateMergeStarted: HttpAnswer(409, "This duplicate candidate's merge has started"),
    DuplicateDismissed: HttpAnswer(409, "This duplicate candidate was dismissed: not the same customer"),
    MergeExceedsLimits: HttpAnswer(409, "The merge would drop a contact: make room on the survivor first"),
    MergeContended: HttpAnswer(
        503, "A customer changed during the merge; merge again", (("Retry-After", "1"),)
    ),
    FoldContended: HttpAnswer(
        503, "A customer changed while another was folded into it; try again", (("Retry-After", "1"),)
    ),
    LinkTargetPending: HttpAnswer(
        503, "The matching customer is still being converted", (("Retry-After", "5"),)
    ),
    ConversionContended: HttpAnswer(
        503, "The customer kept changing during conversion", (("Retry-After", "5"),)
    ),
    DefinitionsContended: HttpAnswer(
        503, "Customer attributes kept changing; try again", (("Retry-After", "1"),)
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
    if isinstance(error, ValidationFailed | MergeExceedsLimits):
        problem["errors"] = [{"field": item.field, "message": item.message} for item in error.errors]
    return problem


def problem_for(error: DomainError, instance: str) -> func.HttpResponse:
    answer = answer_for(error)
    return func.HttpResponse(
        json.dumps(problem_body(error, instance)),
        status_code=answer.status,
        headers={**NO_STORE, **dict(answer.headers)},
        mimetype=PROBLEM_JSON,
    )


def read_json_body(request: func.HttpRequest) -> Any:
    """The body as JSON; every way it can be malformed is a 400 in our words, never Python's."""
    body = request.get_body() or b""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body has {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted")
    if not body.strip():
        raise InvalidRequest("The request needs a JSON body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("The body is not UTF-8 text") from None
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as duplicate:
        raise InvalidRequest(f"The body names '{duplicate.key}' twice in one object") from None
    except RecursionError:
        raise InvalidRequest("The body nests too deeply") from None
    except json.JSONDecodeError as error:
        raise InvalidRequest(
            f"The body is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    except ValueError:  # NaN or Infinity, or an integer with thousands of digits
        raise InvalidRequest("The body holds a number JSON does not allow or too long to read") from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key[:60]


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Two values for one key are malformed JSON here, not last-one-wins."""
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def path_of(request: func.HttpRequest) -> str:
    """The request's path, for a problem's `instance` (the host refuses a Host header holding one)."""
    return urlsplit(request.url).path or "/"

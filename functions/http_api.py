"""The HTTP conventions of the API: JSON in and out, RFC 9457 problem+json for every error."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from shared.domain.errors import (
    DomainError,
    InvalidRequest,
    PayloadTooLarge,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

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
    slug: str,
    title: str,
    detail: str,
    instance: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
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


def problem_body(error: DomainError, instance: str) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + error.slug,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": instance,
    }
    if isinstance(error, ValidationFailed):
        problem["errors"] = [{"field": item.field, "message": item.message} for item in error.errors]
    return problem


def problem_for(error: DomainError, instance: str) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(problem_body(error, instance)),
        status_code=error.status,
        headers=error.headers,
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


def _path_of(request: func.HttpRequest) -> str:
    url = request.url
    start = url.find("/", url.find("//") + 2) if "//" in url else 0
    return str(url[start:].split("?", 1)[0] if start >= 0 else url)


def api_endpoint(
    handler: Callable[[func.HttpRequest], func.HttpResponse],
) -> Callable[[func.HttpRequest], func.HttpResponse]:
    """Renders domain errors as problem+json; anything unexpected is logged, never shown."""

    @functools.wraps(handler)
    def endpoint(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return handler(req)
        except DomainError as error:
            return problem_for(error, _path_of(req))
        except Exception:
            logger.exception("Unexpected error in %s", handler.__name__)
            return problem_response(
                status=500,
                slug="internal-error",
                title="Internal error",
                detail="The request failed unexpectedly; nothing was changed that you can't retry.",
                instance=_path_of(req),
            )

    return endpoint

"""Turning what a function returns into HTTP status, headers and body, like the worker does."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus

from azure.functions import _abc as functions_abc

# Framing is the server's job; a function's own values for these would corrupt the stream.
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass
class PlainResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def from_function_result(value: functions_abc.HttpResponse | str) -> PlainResponse:
    """What the worker's http output converter encodes: HttpResponse or str (the invoker has
    already failed an invocation that returned anything else)."""
    if isinstance(value, str):
        return PlainResponse(200, [("Content-Type", "text/plain; charset=utf-8")], value.encode())
    return _from_http_response(value)


def _from_http_response(response: functions_abc.HttpResponse) -> PlainResponse:
    headers = [
        (name, str(value)) for name, value in response.headers.items() if name.lower() not in _HOP_BY_HOP
    ]
    if not any(name.lower() == "content-type" for name, _ in headers):
        mimetype = response.mimetype
        charset = getattr(response, "charset", "utf-8")
        content_type = f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype
        headers.append(("Content-Type", content_type))
    return PlainResponse(int(response.status_code), headers, response.get_body() or b"")


def problem(status: int, detail: str, headers: list[tuple[str, str]] | None = None) -> PlainResponse:
    """An RFC 9457 problem document; used for errors the host itself answers."""
    document = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    return PlainResponse(
        status,
        [("Content-Type", "application/problem+json"), *(headers or [])],
        json.dumps(document).encode(),
    )

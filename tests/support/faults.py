"""Fault injection through the app's seams: named fault points and azure-core pipeline policies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline.transport import HttpRequest, RequestsTransport
from azure.core.pipeline.transport._requests_basic import RequestsTransportResponse

from shared.services.fault_points import FaultPoints


class SimulatedCrash(Exception):
    """Stands for the process dying at a fault point."""


class CrashAt(FaultPoints):
    """Raises at `point` the first `times` times it is reached (forever when times is None)."""

    def __init__(self, point: str, times: int | None = 1) -> None:
        self.point = point
        self.remaining = times
        self.reached = 0
        self._lock = threading.Lock()

    def reach(self, point: str) -> None:
        if point != self.point:
            return
        with self._lock:
            self.reached += 1
            if self.remaining is not None:
                if self.remaining <= 0:
                    return
                self.remaining -= 1
        raise SimulatedCrash(point)


class SwitchableFaults(FaultPoints):
    """A fault point that fails while `active` is set; tests switch it off to let things heal."""

    def __init__(self, point: str) -> None:
        self.point = point
        self.active = threading.Event()
        self.active.set()

    def reach(self, point: str) -> None:
        if point == self.point and self.active.is_set():
            raise SimulatedCrash(point)


class StorageFaults(RequestsTransport):  # type: ignore[misc]  # azure-core leaves it untyped
    """The real HTTP transport, with faults on demand: slow requests, or requests that never connect.

    It sits under the SDK's retry policy, so the app sees what a flaky network would give it.
    """

    def __init__(
        self,
        *,
        fail_when: Callable[[HttpRequest], bool] | None = None,
        answer_when: Callable[[HttpRequest], int | None] | None = None,
        delay_seconds: float = 0.0,
        connection_timeout: float = 5.0,
        read_timeout: float = 20.0,
    ) -> None:
        super().__init__(connection_timeout=connection_timeout, read_timeout=read_timeout)
        self.fail_when = fail_when
        self.answer_when = answer_when
        self.delay_seconds = delay_seconds
        self.failures = 0
        self.answered: list[int] = []
        self.sent: list[str] = []  # "METHOD path" of every request: round trips, counted
        self._lock = threading.Lock()

    def send(self, request: HttpRequest, **kwargs: Any) -> Any:
        with self._lock:
            self.sent.append(f"{request.method} {urlsplit(request.url).path}")
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)
        if self.fail_when is not None and self.fail_when(request):
            with self._lock:
                self.failures += 1
            raise ServiceRequestError("injected: storage unreachable")
        status = self.answer_when(request) if self.answer_when is not None else None
        if status is not None:
            with self._lock:
                self.answered.append(status)
            return _storage_error_response(request, status)
        return super().send(request, **kwargs)


def _storage_error_response(request: HttpRequest, status: int) -> RequestsTransportResponse:
    """What storage answers when it throttles (503 ServerBusy, or 429 with Retry-After) or fails (500)."""
    response = requests.Response()
    response.status_code = status
    response.reason = {429: "Too Many Requests", 500: "Internal Server Error"}.get(status, "Server Busy")
    response.headers["Content-Type"] = "application/json"
    if status == 429:
        response.headers["Retry-After"] = "1"  # throttling answers say when to come back
    response._content = (
        b'{"odata.error": {"code": "ServerBusy", "message": {"lang": "en-US", "value": "injected"}}}'
    )
    response.url = request.url
    return RequestsTransportResponse(request, response)  # type: ignore[no-untyped-call]


class CountDown:
    """True for the first `times` requests that match, then False: a fault that heals by itself."""

    def __init__(self, times: int, matches: Callable[[HttpRequest], bool]) -> None:
        self.remaining = times
        self.matches = matches
        self._lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> bool:
        if not self.matches(request):
            return False
        with self._lock:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True

"""Fault injection through the app's seams: named fault points and azure-core pipeline policies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline.transport import HttpRequest, RequestsTransport

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


class StorageFaults(RequestsTransport):
    """The real HTTP transport, with faults on demand: slow requests, or requests that never connect.

    It sits under the SDK's retry policy, so the app sees what a flaky network would give it.
    """

    def __init__(
        self,
        *,
        fail_when: Callable[[HttpRequest], bool] | None = None,
        delay_seconds: float = 0.0,
        connection_timeout: float = 5.0,
        read_timeout: float = 20.0,
    ) -> None:
        super().__init__(connection_timeout=connection_timeout, read_timeout=read_timeout)
        self.fail_when = fail_when
        self.delay_seconds = delay_seconds
        self.failures = 0
        self._lock = threading.Lock()

    def send(self, request: HttpRequest, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)
        if self.fail_when is not None and self.fail_when(request):
            with self._lock:
                self.failures += 1
            raise ServiceRequestError("injected: storage unreachable")
        return super().send(request, **kwargs)

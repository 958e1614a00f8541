"""Fault injection through the app's seams: named fault points and azure-core pipeline policies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

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


class SlowStorage(SansIOHTTPPolicy):
    """Delays every request of the account it is attached to while `delay_seconds` is above zero."""

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds

    def on_request(self, request: PipelineRequest) -> None:
        if self.delay_seconds > 0:
            time.sleep(self.delay_seconds)


class FailingStorage(SansIOHTTPPolicy):
    """Fails requests as a dead connection would, while `should_fail(request)` says so."""

    def __init__(self, should_fail: Callable[[PipelineRequest], bool] | None = None) -> None:
        self.should_fail = should_fail or (lambda _request: True)
        self.enabled = True
        self.failures = 0

    def on_request(self, request: PipelineRequest) -> None:
        if self.enabled and self.should_fail(request):
            self.failures += 1
            raise ServiceRequestError("injected: storage unreachable")

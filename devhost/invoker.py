"""Calls user functions the way the worker does, and keeps count of calls still running."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from devhost.context import InvocationContext, OutValue
from devhost.indexing import CONTEXT_PARAMETER, FunctionSpec
from devhost.outputs import QueueOutputs

logger = logging.getLogger("devhost")

TRIGGER_LABELS = {"httpTrigger": "HTTP", "queueTrigger": "Queue", "timerTrigger": "Timer"}


@dataclass
class InvocationResult:
    """Outcome of one call; `error` is set when the function (or its outputs) failed."""

    invocation_id: str
    return_value: Any = None
    error: BaseException | None = None
    duration_ms: int = 0
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.error is None


class Invoker:
    """Runs invocations and lets stop() wait until none are in flight."""

    def __init__(self, script_root: str, queue_outputs: QueueOutputs) -> None:
        self._script_root = script_root
        self._queue_outputs = queue_outputs
        self._in_flight = 0
        self._idle = threading.Condition()

    def invoke(self, spec: FunctionSpec, trigger_value: Any) -> InvocationResult:
        """Call the function with its trigger value; exceptions are captured, not raised."""
        result = InvocationResult(invocation_id=str(uuid.uuid4()))
        outs = {binding.name: OutValue[Any]() for binding in spec.out_parameters}
        arguments: dict[str, Any] = {spec.trigger.name: trigger_value, **outs}
        if spec.wants_context:
            arguments[CONTEXT_PARAMETER] = InvocationContext(
                result.invocation_id, spec.name, self._script_root
            )
        started = time.perf_counter()
        with self._counted():
            try:
                result.return_value = _call(spec, arguments)
                result.outputs = {name: out.get() for name, out in outs.items()}
                if spec.return_binding is not None:
                    result.outputs[spec.return_binding.name] = result.return_value
                self._queue_outputs.deliver(spec, result.outputs)
            except Exception as error:
                result.error = error
                logger.error(
                    "Function 'Functions.%s' failed (Id=%s): %s",
                    spec.name,
                    result.invocation_id,
                    type(error).__name__,
                    exc_info=error,
                )
        result.duration_ms = round((time.perf_counter() - started) * 1000)
        return result

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.notify_all()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def wait_idle(self, timeout: float) -> bool:
        """True when no invocation is running (anymore) within `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


def _call(spec: FunctionSpec, arguments: dict[str, Any]) -> Any:
    outcome = spec.user_function(**arguments)
    if inspect.isawaitable(outcome):
        return asyncio.run(_await(outcome))
    return outcome


async def _await(awaitable: Any) -> Any:
    return await awaitable


def log_invocation(
    spec: FunctionSpec,
    result: InvocationResult,
    *,
    status: int | None = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """One line per invocation: who, outcome, duration and trigger details; never any payload."""
    parts = ["Succeeded" if result.succeeded else "Failed"]
    if status is not None:
        parts.append(str(status))
    parts.append(f"Duration={result.duration_ms}ms")
    parts.append(f"Trigger={TRIGGER_LABELS.get(spec.trigger.type, spec.trigger.type)}")
    parts.extend(f"{key}={value}" for key, value in (details or {}).items())
    logger.log(
        logging.INFO if result.succeeded else logging.ERROR,
        "Executed 'Functions.%s' (%s)",
        spec.name,
        ", ".join(parts),
    )

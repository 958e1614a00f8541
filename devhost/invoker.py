"""Calls user functions the way the worker does, and keeps count of calls still running."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from azure.functions import _abc as functions_abc

from devhost.context import InvocationContext, OutValue
from devhost.indexing import CONTEXT_PARAMETER, FunctionSpec
from devhost.outputs import QueueOutputs

logger = logging.getLogger("devhost")

TRIGGER_LABELS = {"httpTrigger": "HTTP", "queueTrigger": "Queue", "timerTrigger": "Timer"}
THREAD_COUNT_SETTING = "PYTHON_THREADPOOL_THREAD_COUNT"
HTTP_OUTPUT_CONVERTER = "<class 'azure.functions.http.HttpResponseConverter'>"


def worker_thread_count(environ: Mapping[str, str] | None = None) -> int:
    """The Python worker's pool size: PYTHON_THREADPOOL_THREAD_COUNT when it is a whole number of
    at least 1, else ThreadPoolExecutor's own default, min(32, cpus + 4)."""
    source = os.environ if environ is None else environ
    default = min(32, (os.cpu_count() or 1) + 4)
    value = source.get(THREAD_COUNT_SETTING)
    if value is None or value == "":
        return default
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        logger.warning(
            "%s=%r is not a positive whole number; using %d threads", THREAD_COUNT_SETTING, value, default
        )
        return default
    return count


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
    """Runs invocations as the Python worker does and lets stop() wait until none are in flight.

    Every synchronous function, whatever its trigger, runs on one shared pool of `thread_count`
    threads, and every `async def` function on one event loop in its own thread: a call that finds
    the pool busy waits, as it does on one Azure instance.
    """

    def __init__(self, script_root: str, queue_outputs: QueueOutputs, thread_count: int) -> None:
        self._script_root = script_root
        self._queue_outputs = queue_outputs
        self._in_flight = 0
        self._idle = threading.Condition()
        self.thread_count = thread_count
        self._pool = ThreadPoolExecutor(max_workers=thread_count, thread_name_prefix="devhost-worker")
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="devhost-worker-loop", daemon=True
        )
        self._loop_thread.start()

    def close(self) -> None:
        """Release the pool and the event loop; invocations still running finish on their own."""
        self._pool.shutdown(wait=False)
        self._loop.call_soon_threadsafe(self._loop.stop)

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
                result.return_value = self._call(spec, arguments)
                result.outputs = {name: out.get() for name, out in outs.items()}
                if spec.return_binding is not None:
                    result.outputs[spec.return_binding.name] = result.return_value
                _check_outputs(spec, result)
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

    def _call(self, spec: FunctionSpec, arguments: dict[str, Any]) -> Any:
        if spec.is_async:
            return asyncio.run_coroutine_threadsafe(spec.user_function(**arguments), self._loop).result()
        return self._pool.submit(_call_sync, spec, arguments).result()

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


def _check_outputs(spec: FunctionSpec, result: InvocationResult) -> None:
    """The worker fails an invocation whose values it cannot encode for the host."""
    if spec.return_binding is None and result.return_value is not None:
        raise TypeError(f"function {spec.name!r} without a $return binding returned a non-None value")
    for binding in spec.output_bindings:
        value = result.outputs.get(binding.name)
        if binding.type == "http" and not isinstance(value, functions_abc.HttpResponse | str):
            raise TypeError(
                "unable to encode outgoing TypedData: unsupported type "
                f'"{HTTP_OUTPUT_CONVERTER}" for Python type "{type(value).__name__}"'
            )


def _call_sync(spec: FunctionSpec, arguments: dict[str, Any]) -> Any:
    outcome = spec.user_function(**arguments)
    if inspect.isawaitable(outcome):  # a sync def that hands back a coroutine: run it to the end
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

"""LocalHost: runs a v2-model function app the way the Functions host and Python worker do."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from devhost.app_loader import find_function_app, load_app_module
from devhost.app_settings import (
    EnvironmentPatch,
    read_local_settings,
    resolve_setting_references,
    storage_connection_string,
)
from devhost.errors import HostStartupError
from devhost.function_keys import FunctionKeys
from devhost.host_config import HostConfig, load_host_config
from devhost.http_server import HttpFrontend, http_methods_of, http_route_of, request_body_limit
from devhost.indexing import HTTP_TRIGGER, QUEUE_TRIGGER, TIMER_TRIGGER, FunctionSpec, index_app
from devhost.invoker import Invoker, worker_thread_count
from devhost.outputs import QueueOutputs
from devhost.queue_listener import QueueListener
from devhost.singleton import ListenerLock, host_id, listener_lock_blob
from devhost.storage import QueueClients
from devhost.timers import TimerListener, parse_schedule

logger = logging.getLogger("devhost")

DEFAULT_DRAIN_TIMEOUT = 30.0


class LocalHost:
    """Hosts the app in this process: HTTP server, queue pollers and timers.

    The app cannot tell it apart from the real host: it is imported, indexed and invoked through
    the same azure.functions API, and reads its settings from os.environ. HTTP functions whose
    authLevel is function or admin need a function key, as in Azure (see devhost.function_keys).
    """

    def __init__(
        self,
        script_root: Path | str = ".",
        port: int = 7071,
        settings: Mapping[str, str] | None = None,
        app_module: str = "function_app",
        host: str = "127.0.0.1",
    ) -> None:
        self.script_root = Path(script_root).resolve()
        self.app_module = app_module
        self._requested_address = (host, port)
        self._settings = dict(settings or {})
        self._environment = EnvironmentPatch()
        self._lock = threading.Lock()
        self._started = False
        self._functions: list[FunctionSpec] = []
        self._config = HostConfig()
        self._clients = QueueClients()
        self._http: HttpFrontend | None = None
        self._queues: list[QueueListener] = []
        self._timers: list[TimerListener] = []
        self._invoker: Invoker | None = None
        self._address: tuple[str, int] | None = None  # kept after stop(), for messages
        self._queue_names: dict[str, str] = {}

    # -- public surface ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>; with port=0 the port is the free one chosen at start()."""
        if self._address is None:
            raise RuntimeError("The host has not been started")
        host, port = self._address
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    @property
    def in_flight(self) -> int:
        """Invocations running right now; tests wait on it rather than sleep."""
        return self._invoker.in_flight if self._invoker is not None else 0

    @property
    def worker_threads(self) -> int:
        """Size of the pool every synchronous function runs on, as in the Python worker."""
        if self._invoker is None:
            raise RuntimeError("The host has not been started")
        return self._invoker.thread_count

    @property
    def functions(self) -> list[FunctionSpec]:
        return list(self._functions)

    @property
    def config(self) -> HostConfig:
        return self._config

    def start(self) -> None:
        """Apply settings, index the app and start serving; raises HostStartupError on bad config."""
        with self._lock:
            if self._started:
                raise RuntimeError("The host is already started")
            self._environment.apply(read_local_settings(self.script_root), self._settings)
            try:
                self._prepare()
                self._launch()
            except BaseException:
                self._shutdown(drain_timeout=1.0)
                raise
            self._started = True

    def stop(self, drain_timeout: float = DEFAULT_DRAIN_TIMEOUT) -> None:
        """Stop triggering, let running invocations finish (up to drain_timeout), release all."""
        with self._lock:
            if self._started:
                self._started = False
                self._shutdown(drain_timeout)

    def __enter__(self) -> LocalHost:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def describe(self, base_url: str | None = None) -> list[str]:
        """One line per function, like the listing `func start` prints."""
        lines = []
        for spec in self._functions:
            kind = spec.trigger.type
            if kind == HTTP_TRIGGER:
                methods = ",".join(http_methods_of(spec) or ["ALL"])
                lines.append(f"{spec.name}: [{methods}] {self.http_url_of(spec, base_url)}")
            elif kind == QUEUE_TRIGGER:
                lines.append(f"{spec.name}: queueTrigger (queue: {self._queue_names[spec.name]})")
            else:
                schedule = spec.trigger.properties.get("schedule")
                lines.append(f"{spec.name}: timerTrigger (schedule: {schedule})")
        return lines

    def http_url_of(self, spec: FunctionSpec, base_url: str | None = None) -> str:
        path = "/".join(p for p in (self._config.route_prefix, http_route_of(spec)) if p)
        return f"{base_url or self.base_url}/{path}"

    # -- start-up ------------------------------------------------------------------------

    def _prepare(self) -> None:
        """Everything that can fail on configuration happens here, before anything runs."""
        self._config = load_host_config(self.script_root)
        module = load_app_module(self.script_root, self.app_module)
        self._functions = [spec for spec in index_app(find_function_app(module)) if not _disabled(spec)]
        outputs = QueueOutputs(self._clients, self._config.queues.message_encoding)
        self._invoker = Invoker(str(self.script_root), outputs, worker_thread_count())
        for spec in self._functions:
            outputs.prepare(spec)
            if spec.trigger.type == QUEUE_TRIGGER:
                self._queues.append(self._queue_listener(spec, self._invoker))
            elif spec.trigger.type == TIMER_TRIGGER:
                self._timers.append(self._timer_listener(spec, self._invoker))
        host, port = self._requested_address
        keys = FunctionKeys.from_settings(spec.name for spec in self._functions)
        self._http = HttpFrontend(
            self._functions, self._config.route_prefix, self._invoker, host, port, keys, request_body_limit()
        )
        self._address = self._http.address

    def _queue_listener(self, spec: FunctionSpec, invoker: Invoker) -> QueueListener:
        where = f"Function '{spec.name}'"
        properties = spec.trigger.properties
        queue_name = resolve_setting_references(str(properties.get("queueName", "")), where)
        if not queue_name:
            raise HostStartupError(f"{where}: the queue trigger has no queueName")
        connection = storage_connection_string(properties.get("connection"), where)
        self._queue_names[spec.name] = queue_name
        return QueueListener(spec, connection, queue_name, self._config.queues, invoker, self._clients)

    def _timer_listener(self, spec: FunctionSpec, invoker: Invoker) -> TimerListener:
        where = f"Function '{spec.name}'"
        properties = spec.trigger.properties
        expression = resolve_setting_references(str(properties.get("schedule", "")), where)
        schedule = parse_schedule(expression, where)
        run_on_startup = str(properties.get("runOnStartup", False)).lower() == "true"
        # The host keeps the singleton lock in the AzureWebJobsStorage account.
        lock = ListenerLock(
            storage_connection_string(None, where),
            listener_lock_blob(host_id(self.script_root), spec.name),
            self._config.singleton,
        )
        return TimerListener(spec, schedule, run_on_startup, invoker, lock)

    def _launch(self) -> None:
        assert self._http is not None
        self._http.start()
        for listener in self._queues:
            listener.start()
        for timer in self._timers:
            timer.start()
        logger.info("Host started with %d function(s) on %s", len(self._functions), self.base_url)

    # -- shutdown ------------------------------------------------------------------------

    def _shutdown(self, drain_timeout: float) -> None:
        try:
            self._stop_components(drain_timeout)
        finally:
            if self._invoker is not None:
                self._invoker.close()
                self._invoker = None
            self._clients.close()
            self._environment.restore()
            self._http = None
            self._queues = []
            self._timers = []

    def _stop_components(self, drain_timeout: float) -> None:
        deadline = time.monotonic() + drain_timeout
        if self._http is not None:
            self._http.stop_accepting()
        for listener in self._queues:
            listener.stop_polling()
        for timer in self._timers:
            timer.stop()
        if self._invoker is not None and not self._invoker.wait_idle(drain_timeout):
            logger.warning("Stopping with %d invocation(s) still running", self._invoker.in_flight)
        if self._http is not None:
            self._http.close(_remaining(deadline))
        for listener in self._queues:
            listener.join(_remaining(deadline))
        for timer in self._timers:
            timer.join(_remaining(deadline))


def _disabled(spec: FunctionSpec) -> bool:
    """The platform's switch: app setting `AzureWebJobs.<name>.Disabled` set to true or 1."""
    value = os.environ.get(f"AzureWebJobs.{spec.name}.Disabled", "")
    if value.strip().lower() in ("true", "1"):
        logger.info("Function '%s' is disabled by app setting", spec.name)
        return True
    return False


def _remaining(deadline: float) -> float:
    return max(0.1, deadline - time.monotonic())

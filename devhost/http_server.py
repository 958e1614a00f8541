"""The HTTP front end: routes requests to HTTP-triggered functions, one thread per connection."""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func

from devhost.function_keys import FUNCTION, FunctionKeys, presented_key
from devhost.http_responses import PlainResponse, from_function_result, problem
from devhost.indexing import HTTP_TRIGGER, RETURN, FunctionSpec
from devhost.invoker import Invoker, log_invocation
from devhost.routing import RouteMatch, RouteTable

logger = logging.getLogger("devhost")

MAX_REQUEST_BODY = 100 * 1024 * 1024  # the platform's request size limit
IDLE_CONNECTION_TIMEOUT = 30.0


class _BadRequest(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def http_route_of(spec: FunctionSpec) -> str:
    """Without an explicit route the host serves a function under its own name."""
    route = spec.trigger.properties.get("route")
    return str(route if route is not None else spec.name).strip("/")


def http_methods_of(spec: FunctionSpec) -> list[str] | None:
    methods = spec.trigger.properties.get("methods")
    return [str(m).upper() for m in methods] if methods else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], frontend: HttpFrontend) -> None:
        self.frontend = frontend
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall for seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class HttpFrontend:
    """Owns the listening socket, the route table and the open connections."""

    def __init__(
        self,
        specs: list[FunctionSpec],
        route_prefix: str,
        invoker: Invoker,
        host: str,
        port: int,
        keys: FunctionKeys | None = None,
    ) -> None:
        self.invoker = invoker
        self.keys = keys or FunctionKeys()
        self.routes: RouteTable[FunctionSpec] = RouteTable()
        for spec in specs:
            if spec.trigger.type == HTTP_TRIGGER:
                template = "/".join(p for p in (route_prefix, http_route_of(spec)) if p)
                self.routes.add(template, http_methods_of(spec), spec)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._active_requests = 0
        self._state = threading.Condition()
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="devhost-http",
            daemon=True,
        )
        self._thread.start()

    def is_stopping(self) -> bool:
        return self._stopping.is_set()

    def stop_accepting(self) -> None:
        """Refuse new connections; requests already being handled go on."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None

    def close(self, timeout: float) -> None:
        """Let running requests answer (up to `timeout`), then drop idle keep-alive connections."""
        with self._state:
            self._state.wait_for(lambda: self._active_requests == 0, timeout)
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._state:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    @contextmanager
    def request_in_progress(self) -> Iterator[None]:
        with self._state:
            self._active_requests += 1
        try:
            yield
        finally:
            with self._state:
                self._active_requests -= 1
                self._state.notify_all()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "devhost"
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.frontend.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.frontend.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line's query string can hold search text (names, e-mails): keep the path only.
        logger.debug("HTTP %s %s", self.command, urlsplit(self.path).path)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler looks up do_<METHOD>; every method goes through routing.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        frontend = self.server.frontend
        with frontend.request_in_progress():
            if frontend.is_stopping():
                self.close_connection = True
                self._send(problem(503, "The host is shutting down."))
                return
            try:
                body = self._read_body()
            except _BadRequest as error:
                self.close_connection = True
                self._send(problem(error.status, error.detail))
                return
            try:
                response = self._handle(frontend, body)
            except Exception:
                logger.exception("Handling %s %s failed", self.command, urlsplit(self.path).path)
                response = problem(500, "The host failed to handle the request.")
            if frontend.is_stopping():
                self.close_connection = True
            self._send(response)

    def _handle(self, frontend: HttpFrontend, body: bytes) -> PlainResponse:
        url = urlsplit(self.path)
        resolved = frontend.routes.resolve(self.command, url.path)
        if not isinstance(resolved, RouteMatch):
            # The host answers an unknown route and a known route called with a method it does
            # not list alike: 404 with an empty body, never 405.
            return PlainResponse(404)
        return self._invoke(frontend, resolved, body)

    def _invoke(
        self, frontend: HttpFrontend, resolved: RouteMatch[FunctionSpec], body: bytes
    ) -> PlainResponse:
        spec = resolved.target
        headers = self._request_headers()
        params = _query_params(urlsplit(self.path).query)
        auth_level = str(spec.trigger.properties.get("authLevel") or FUNCTION)
        if not frontend.keys.allows(auth_level, spec.name, presented_key(headers, params)):
            # The host's answer to a missing or wrong key: 401, no body, no challenge.
            return PlainResponse(401)
        request = func.HttpRequest(
            self.command,
            self._absolute_url(),
            headers=headers,
            params=params,
            route_params=resolved.route_params,
            body=body,
        )
        result = frontend.invoker.invoke(spec, request)
        # A failed invocation is a bare 500, as the host's exception middleware answers it.
        response = (
            from_function_result(_http_output(spec, result.outputs))
            if result.succeeded
            else PlainResponse(500)
        )
        log_invocation(spec, result, status=response.status)
        return response

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _BadRequest(400, "Content-Length is not a number.") from None
        if length < 0:
            raise _BadRequest(400, "Content-Length is negative.")
        if length > MAX_REQUEST_BODY:
            raise _BadRequest(413, "The request body is too large.")
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BadRequest(400, "The request body ended before Content-Length bytes.")
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise _BadRequest(400, "Malformed chunked request body.") from None
            if size == 0:
                while self.rfile.readline(8192).strip():  # trailers
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_REQUEST_BODY:
                raise _BadRequest(413, "The request body is too large.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _request_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name in dict.fromkeys(self.headers.keys()):
            headers[name] = ", ".join(self.headers.get_all(name) or [])
        return headers

    def _absolute_url(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.frontend.address)
        return f"http://{host}{self.path}"

    def _send(self, response: PlainResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


def _http_output(spec: FunctionSpec, outputs: dict[str, Any]) -> Any:
    binding = next((b for b in spec.output_bindings if b.type == "http"), None)
    return outputs.get(binding.name if binding else RETURN)


def _query_params(query: str) -> dict[str, str]:
    """Repeated keys are joined with commas, and a key whose value is then empty is dropped
    (`?status=` reaches the function as no `status`), as the host does for the Python worker."""
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    joined = {key: ",".join(values) for key, values in params.items()}
    return {key: value for key, value in joined.items() if value}

"""The HTTP front end: routes requests to HTTP-triggered functions, one thread per connection."""

from __future__ import annotations

import logging
import os
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping
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

DEFAULT_MAX_REQUEST_BODY = 100 * 1024 * 1024  # the platform's request size limit
BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
IDLE_CONNECTION_TIMEOUT = 30.0
DISCARD_CHUNK = 64 * 1024
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
# Kestrel refuses a Host header that is not a host name or address with an optional port.
_HOST_HEADER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(:[0-9]{1,5})?")


def request_body_limit(environ: Mapping[str, str] | None = None) -> int:
    """The host's limit on request bodies, 100 MB unless the app setting lowers or raises it."""
    value = (os.environ if environ is None else environ).get(BODY_LIMIT_SETTING, "")
    return int(value) if value.isascii() and value.isdigit() else DEFAULT_MAX_REQUEST_BODY


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
        body_limit: int = DEFAULT_MAX_REQUEST_BODY,
    ) -> None:
        self.invoker = invoker
        self.keys = keys or FunctionKeys()
        self.body_limit = body_limit
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
    disable_nagle_algorithm = True
    timeout = IDLE_CONNECTION_TIMEOUT
    server: _Server

    def version_string(self) -> str:
        return "devhost"  # no versions to help an attacker

    def parse_request(self) -> bool:
        """As Kestrel: a header line must end in CRLF and hold no other CR or LF; Host must be a
        host name. Anything else is a 400 before any function runs."""
        recording = _LineRecorder(self.rfile)
        self.rfile = recording  # type: ignore[assignment]
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = recording.inner
        if not parsed:
            return False
        host = self.headers.get("Host")
        clean = all(_is_clean_header_line(line) for line in recording.lines)
        if not clean or (host is not None and not _HOST_HEADER.fullmatch(host)):
            self.close_connection = True
            self._send(PlainResponse(400))
            return False
        return True

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
        """A body with a Content-Length reaches the function; a chunked one is read to its end
        (never kept) and the function gets none, as the host forwards only a counted body."""
        limit = self.server.frontend.body_limit
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._discard_chunked(limit)
            return b""
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        if not (length_header.isascii() and length_header.isdigit()):
            raise _BadRequest(400, "Content-Length is not a whole number.")
        length = int(length_header)
        if length > limit:
            raise _BadRequest(413, "The request body is too large.")
        body = self.rfile.read(length)
        if len(body) != length:
            raise _BadRequest(400, "The request body ended before Content-Length bytes.")
        return body

    def _discard_chunked(self, limit: int) -> None:
        total = 0
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";")[0].strip()
            if not line.endswith(b"\r\n") or not _CHUNK_SIZE.fullmatch(size_text):
                raise _BadRequest(400, "Malformed chunked request body.")
            size = int(size_text, 16)
            if size == 0:
                while self.rfile.readline(8192).strip():  # trailers
                    pass
                return
            total += size
            if total > limit:
                raise _BadRequest(413, "The request body is too large.")
            while size > 0:
                piece = self.rfile.read(min(size, DISCARD_CHUNK))
                if not piece:
                    raise _BadRequest(400, "The request body ended inside a chunk.")
                size -= len(piece)
            if self.rfile.readline(8) != b"\r\n":
                raise _BadRequest(400, "Malformed chunked request body.")

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


class _LineRecorder:
    """Stands in for the request stream while the request line and headers are parsed, keeping
    each line as it came, so that bare CRs and LFs can be found after parsing."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lines: list[bytes] = []

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.inner.readline(limit)
        self.lines.append(line)
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _is_clean_header_line(line: bytes) -> bool:
    if not line:
        return True  # end of stream; the parser has already answered
    if not line.endswith(b"\r\n"):
        return False
    return b"\r" not in line[:-2] and b"\n" not in line[:-2]

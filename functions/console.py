"""The synchronization console: plain HTML, CSS and JavaScript served by the function app itself,
so it needs no build step and no CDN and works where the app works. The page holds no secret; it
asks the operator for the admin key and calls the app's JSON routes with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, endpoint
from functions.http_api import NO_STORE
from shared.bootstrap import AppDependencies
from shared.domain.errors import NotFound

STATIC = Path(__file__).with_name("console_static")
FILES = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
# Only the page's own files run and load; nothing inline, no other origin, no framing.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=len(FILES))
def _content(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _file(name: str) -> func.HttpResponse:
    if name not in FILES:
        raise NotFound(f"The console has no file '{name}'")
    return func.HttpResponse(
        _content(name), status_code=200, headers={**NO_STORE, **SECURITY_HEADERS, "Content-Type": FILES[name]}
    )


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="console", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getConsole",
            "The synchronization console (a web page)",
            caller="anyone",
            answers={200: Answer(None, "HTML page")},
        ),
    )
    def get_console(call: Call) -> func.HttpResponse:
        return _file("index.html")

    @routes.route(route="console/{file}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getConsoleFile",
            "The console's stylesheet and script",
            caller="anyone",
            answers={200: Answer(None, "CSS or JavaScript")},
            problems=(404,),
        ),
    )
    def get_console_file(call: Call) -> func.HttpResponse:
        return _file(call.route("file"))

    return routes

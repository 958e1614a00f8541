"""An app the worker would refuse to load: HTTP functions whose return annotations it cannot encode."""

from __future__ import annotations

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="says-none")
def says_none(req: func.HttpRequest) -> None:
    return None


@app.route(route="says-bytes")
def says_bytes(req: func.HttpRequest) -> bytes:
    return b""


@app.route(route="says-out")
def says_out(req: func.HttpRequest) -> func.Out[str]:
    raise NotImplementedError


@app.route(route="says-text")
def says_text(req: func.HttpRequest) -> str:
    return "fine"


@app.queue_trigger(arg_name="msg", queue_name="inbox", connection="AzureWebJobsStorage")
def queue_says_none(msg: func.QueueMessage) -> None:
    """Fine: a function without a $return binding has its annotation ignored."""

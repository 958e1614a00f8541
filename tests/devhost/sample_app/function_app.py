"""A small app exercising every trigger and binding shape the local host supports.

Queue and timer functions record what they received; tests read the records over HTTP, so they
observe the app only from outside, as they would a deployed one.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from typing import Any

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

_lock = threading.Lock()
_records: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
_barriers: dict[str, threading.Barrier] = {}
_running: defaultdict[str, int] = defaultdict(int)
_most_running: defaultdict[str, int] = defaultdict(int)
_releases: defaultdict[str, threading.Event] = defaultdict(threading.Event)


def _record(key: str, entry: dict[str, Any]) -> None:
    with _lock:
        _records[key].append(entry)


def _json(document: Any, status: int = 200) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(document), status_code=status, mimetype="application/json")


@app.route(route="items/{id:int}", methods=["GET", "POST"])
def item(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return _json(
        {
            "function": "item",
            "method": req.method,
            "url": req.url,
            "route": dict(req.route_params),
            "query": dict(req.params),
            "sample_header": req.headers.get("x-sample"),
            "body": req.get_body().decode(),
            "invocation_id": context.invocation_id,
        },
        status=201 if req.method == "POST" else 200,
    )


@app.route(route="items/special", methods=["GET"])
def special_item(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"function": "special_item"})


@app.route(route="files/{*path}", methods=["GET"])
def files(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"path": req.route_params.get("path")})


@app.route(route="text", methods=["GET"])
def text(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("plain words", headers={"X-Custom": "yes"})


@app.route(route="async-hello", methods=["GET"])
async def async_hello(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"hello": req.params.get("name", "world")})


@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("internal detail that must not reach the client")


@app.route(route="together/{key}", methods=["GET"])
def together(req: func.HttpRequest) -> func.HttpResponse:
    """Waits until `n` requests for the same key are inside the function at the same time."""
    key = req.route_params["key"]
    parties = int(req.params["n"])
    with _lock:
        barrier = _barriers.setdefault(key, threading.Barrier(parties, timeout=10))
        _running[key] += 1
        _most_running[key] = max(_most_running[key], _running[key])
    try:
        barrier.wait()
        time.sleep(0.2)
    finally:
        with _lock:
            _running[key] -= 1
    return _json({"most_running": _most_running[key]})


@app.route(route="busy/{key}", methods=["GET"])
def busy(req: func.HttpRequest) -> func.HttpResponse:
    """Stays inside the function a moment and reports how many calls for `key` ever overlapped."""
    key = req.route_params["key"]
    with _lock:
        _running[key] += 1
        _most_running[key] = max(_most_running[key], _running[key])
    try:
        time.sleep(float(req.params.get("seconds", "0.2")))
    finally:
        with _lock:
            _running[key] -= 1
    return _json({"most_running": _most_running[key]})


@app.route(route="hold/{key}", methods=["GET"])
def hold(req: func.HttpRequest) -> func.HttpResponse:
    """A synchronous function that waits until `release/{key}` is called."""
    released = _releases[req.route_params["key"]].wait(timeout=10)
    return _json({"released": released, "left_at": time.time()})


@app.route(route="release/{key}", methods=["GET"])
async def release(req: func.HttpRequest) -> func.HttpResponse:
    _releases[req.route_params["key"]].set()
    return _json({"released": True})


@app.route(route="returns-nothing", methods=["GET"])
def returns_nothing(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    """Unannotated, so the worker loads it; returning None for an http output fails the call."""
    return None


@app.route(route="returns-bytes", methods=["GET"])
def returns_bytes(req: func.HttpRequest):  # type: ignore[no-untyped-def]
    return b"raw bytes"


@app.route(route="guarded/function", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def guarded_by_function_key(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"key_header": req.headers.get("x-functions-key"), "query": dict(req.params)})


@app.route(route="guarded/admin", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
def guarded_by_master_key(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"level": "admin"})


@app.route(route="records/{key}", methods=["GET"])
def records(req: func.HttpRequest) -> func.HttpResponse:
    with _lock:
        return _json(list(_records.get(req.route_params["key"], [])))


@app.queue_trigger(arg_name="msg", queue_name="%OK_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="echo", queue_name="%ECHO_QUEUE%", connection="AzureWebJobsStorage")
def accept_message(msg: func.QueueMessage, echo: func.Out[str]) -> None:
    _record(
        os.environ["OK_QUEUE"],
        {
            "id": msg.id,
            "body": msg.get_body().decode(),
            "dequeue_count": msg.dequeue_count,
            "has_insertion_time": msg.insertion_time is not None,
            "has_pop_receipt": bool(msg.pop_receipt),
            "entered_at": time.time(),
        },
    )
    echo.set(f"echo:{msg.get_body().decode()}")


@app.queue_trigger(arg_name="msg", queue_name="%FAIL_QUEUE%", connection="AzureWebJobsStorage")
def reject_message(msg: func.QueueMessage) -> None:
    _record(os.environ["FAIL_QUEUE"], {"id": msg.id, "dequeue_count": msg.dequeue_count})
    raise ValueError("this message is never accepted")


@app.timer_trigger(schedule="%TICK_SCHEDULE%", arg_name="timer", run_on_startup=False)
def tick(timer: func.TimerRequest) -> None:
    _record(
        os.environ["TICK_KEY"],
        {
            "past_due": timer.past_due,
            "status": timer.schedule_status,  # type: ignore[attr-defined]
            "at": time.time(),
        },
    )

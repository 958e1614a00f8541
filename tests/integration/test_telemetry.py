"""Telemetry reaches Application Insights when, and only when, the connection string is set, and
carries ids, modes and codes but no personal data. The ingestion endpoint is a local HTTP server that
keeps what the Azure Monitor exporters post, so the real exporters run end to end."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.telemetry_probe import PERSON, PROBE_INVOCATION

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Ingestion(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Keep)
        self.envelopes: list[dict[str, Any]] = []
        self.lock = threading.Lock()


class _Keep(BaseHTTPRequestHandler):
    server: Ingestion

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip" or body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        text = body.decode()
        found = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
        with self.server.lock:
            self.server.envelopes.extend(found)
        answer = json.dumps({"itemsReceived": len(found), "itemsAccepted": len(found), "errors": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def ingestion() -> Iterator[Ingestion]:
    server = Ingestion()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def run_probe(
    storage_connection_string: str, connection_string: str | None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AzureWebJobsStorage": storage_connection_string,
        "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",  # no call home from a test
        # Every span, not the few a second the default sampler keeps: a leak must show every time.
        "OTEL_TRACES_SAMPLER": "always_on",
    }
    env.pop("APPLICATIONINSIGHTS_CONNECTION_STRING", None)
    if connection_string is not None:
        env["APPLICATIONINSIGHTS_CONNECTION_STRING"] = connection_string
    return subprocess.run(
        [sys.executable, "-m", "tests.support.telemetry_probe"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_setting_nothing_is_exported(storage_connection_string: str) -> None:
    probe = run_probe(storage_connection_string, None)
    assert probe.returncode == 2 and "not switched on" in probe.stderr


def test_the_setting_exports_logs_and_metrics_with_ids_but_no_personal_data(
    storage_connection_string: str, ingestion: Ingestion
) -> None:
    endpoint = f"http://127.0.0.1:{ingestion.server_address[1]}/"
    setting = f"InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint={endpoint}"
    probe = run_probe(storage_connection_string, setting)
    assert probe.returncode == 0, probe.stderr[-3000:]
    customer_id = probe.stdout.strip().splitlines()[-1]

    with ingestion.lock:
        envelopes = list(ingestion.envelopes)
    metrics = {
        metric["name"]: envelope["data"]["baseData"].get("properties", {})
        for envelope in envelopes
        if envelope["data"]["baseType"] == "MetricData"
        for metric in envelope["data"]["baseData"]["metrics"]
    }
    assert {"customers.created", "customers.converted", "customers.create.duration"} <= set(metrics)
    assert metrics["customers.created"] == {"mode": "Async", "fallbackReason": "none"}
    messages = [
        envelope["data"]["baseData"]
        for envelope in envelopes
        if envelope["data"]["baseType"] == "MessageData"
    ]
    converted = [m for m in messages if "Converted async customer" in m["message"]]
    assert converted, [m["message"] for m in messages]
    assert converted[0]["properties"]["customerId"] == customer_id
    assert converted[0]["properties"]["invocationId"] == PROBE_INVOCATION

    exported = json.dumps(envelopes).casefold()
    for value in (*PERSON.values(), "philippa", "quarrington", "2079460777"):
        assert value.casefold() not in exported, value

"""Helpers for the local host's tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import LocalHost

SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
REPO_ROOT = Path(__file__).resolve().parents[2]
QUIET_SCHEDULE = "0 0 0 1 1 *"  # once a year: the timer stays out of tests that don't want it


@dataclass(frozen=True)
class SampleHost:
    host: LocalHost
    settings: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.host.base_url

    def records(self, key: str) -> list[dict[str, Any]]:
        return records_at(self.base_url, key)


def records_at(base_url: str, key: str) -> list[dict[str, Any]]:
    """What the sample's queue and timer functions recorded under `key`."""
    response = httpx.get(f"{base_url}/api/records/{key}", timeout=5)
    response.raise_for_status()
    recorded: list[dict[str, Any]] = response.json()
    return recorded


def unique_name(prefix: str) -> str:
    """Queue names: lowercase, 3-63 chars, unique per test so tests never share messages."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until `condition()` is truthy and return its value; fail the test otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s (last value: {value!r})")
        time.sleep(interval)


@dataclass
class HostProcess:
    """`python -m devhost` running an app in a process of its own; `output` keeps what it prints."""

    process: subprocess.Popen[str]
    base_url: str
    banner: str
    output: list[str] = field(default_factory=list)

    def records(self, key: str) -> list[dict[str, Any]]:
        return records_at(self.base_url, key)


@contextmanager
def devhost_process(settings: Mapping[str, str], script_root: Path = SAMPLE_APP) -> Iterator[HostProcess]:
    """Start the CLI on a free port with `settings` on top of this environment; kill it at the end."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != "ADMIN_API_KEY"},
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    command = [sys.executable, "-m", "devhost", "--port", "0", "--script-root", str(script_root)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output = []
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("Host started:"):
                break
        banner = "".join(output)
        started = re.search(r"Host started: (http://localhost:\d+)", banner)
        assert started, banner
        host = HostProcess(process, started.group(1), banner)
        # Keep reading, or a host that logs a lot would block on a full pipe.
        threading.Thread(target=lambda: host.output.extend(process.stdout or []), daemon=True).start()
        yield host
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def sample_settings(storage_connection_string: str, **overrides: str) -> dict[str, str]:
    """The sample app's settings: fresh queue names and a timer that stays quiet."""
    return {
        "AzureWebJobsStorage": storage_connection_string,
        "OK_QUEUE": unique_name("ok"),
        "ECHO_QUEUE": unique_name("echo"),
        "FAIL_QUEUE": unique_name("fail"),
        "TICK_SCHEDULE": QUIET_SCHEDULE,
        "TICK_KEY": unique_name("tick"),
        **overrides,
    }

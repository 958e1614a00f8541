"""Helpers for the local host's tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from devhost import LocalHost

SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
QUIET_SCHEDULE = "0 0 0 1 1 *"  # once a year: the timer stays out of tests that don't want it


@dataclass(frozen=True)
class SampleHost:
    host: LocalHost
    settings: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.host.base_url

    def records(self, key: str) -> list[dict[str, Any]]:
        """What the sample's queue and timer functions recorded under `key`."""
        response = httpx.get(f"{self.base_url}/api/records/{key}", timeout=5)
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

"""Fixtures for the local host's own tests: the sample app, hosted on real Azurite."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from devhost import LocalHost
from tests.devhost.helpers import SAMPLE_APP, SampleHost, sample_settings, unique_name

StartSample = Callable[..., SampleHost]


@pytest.fixture
def start_sample(storage_connection_string: str) -> Iterator[StartSample]:
    """Starts the sample app in a LocalHost with fresh queue names; stops it after the test."""
    started: list[LocalHost] = []

    def start(**overrides: str) -> SampleHost:
        # Each test's hosts form an app of their own, with their own timer lock.
        own_app = {"AzureFunctionsWebHost__hostid": unique_name("sample")}
        settings = sample_settings(storage_connection_string, **{**own_app, **overrides})
        host = LocalHost(script_root=SAMPLE_APP, port=0, settings=settings, app_module="function_app")
        host.start()
        started.append(host)
        return SampleHost(host, settings)

    yield start
    for host in started:
        host.stop()

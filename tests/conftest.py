"""Fixtures shared by every test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devhost.azurite import answering_azurite, start_azurite


@pytest.fixture(scope="session")
def storage_connection_string() -> Iterator[str]:
    """Azurite for the session: the one `make test` started, else a private in-memory one.

    Under pytest-xdist only the first worker shares the Azurite `make test` started; every other
    worker gets its own, so tests using fixed queue and table names never see each other's data.
    """
    configured = os.environ.get("AzureWebJobsStorage")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if worker == "gw0" and answering_azurite(configured):
        assert configured is not None
        yield configured
        return
    azurite = start_azurite("free")
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()


@pytest.fixture
def own_storage() -> Iterator[str]:
    """An Azurite of the test's own: for what is storage-wide (attribute definitions, the access
    log's pruning marker) and must not meet other tests' rows, or a load that must not slow theirs."""
    azurite = start_azurite("free")
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()

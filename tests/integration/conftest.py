from __future__ import annotations

from collections.abc import Iterator

import pytest

from devhost.azurite import start_azurite
from shared.services.dependencies import Dependencies
from tests.support.builders import make_dependencies


@pytest.fixture
def dependencies(storage_connection_string: str) -> Dependencies:
    return make_dependencies(storage_connection_string)


@pytest.fixture
def own_storage() -> Iterator[str]:
    """An Azurite of the test's own, for what is storage-wide (attribute definitions, the access
    log's pruning marker) and must not meet other tests' rows."""
    azurite = start_azurite("free")
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()

from __future__ import annotations

import pytest

from shared.services.dependencies import Dependencies
from tests.support.builders import make_dependencies


@pytest.fixture
def dependencies(storage_connection_string: str) -> Dependencies:
    return make_dependencies(storage_connection_string)

"""The app's own keys are the only keys: no route needs a platform function key.

The local host enforces authLevel as Azure does, so a route that slipped back to `function` or
`admin` would answer 401 here, before any POS met it in production.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.app_loader import find_function_app, load_app_module
from devhost.indexing import HTTP_TRIGGER, index_app
from tests.support.api import ADMIN, ApiClient
from tests.support.local_host import PROJECT_ROOT, running_host


def test_every_http_function_is_anonymous_for_the_platform() -> None:
    specs = index_app(find_function_app(load_app_module(PROJECT_ROOT, "function_app")))
    levels = {
        spec.name: spec.trigger.properties.get("authLevel")
        for spec in specs
        if spec.trigger.type == HTTP_TRIGGER
    }
    assert levels, "the app has HTTP functions"
    assert {name: level for name, level in levels.items() if level != "anonymous"} == {}


@pytest.fixture
def api_with_platform_keys(storage_connection_string: str, tmp_path: Path) -> Iterator[ApiClient]:
    """The host holds platform keys, as one in Azure does; callers below never send them."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "host.json").write_text(
        json.dumps(
            {
                "masterKey": {"name": "master", "value": "platform-master-key", "encrypted": False},
                "functionKeys": [{"name": "default", "value": "platform-function-key", "encrypted": False}],
            }
        )
    )
    settings = {"AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(secrets)}
    with running_host(storage_connection_string, host_settings=settings) as api:
        yield api


def test_health_status_and_openapi_need_no_key_at_all(api_with_platform_keys: ApiClient) -> None:
    http = api_with_platform_keys.http
    assert http.get("/api/health").status_code == 200
    assert http.get("/api/sync/status").status_code == 200
    assert http.get("/api/openapi.json").status_code == 200


def test_a_terminal_holds_one_secret_its_channel_key(api_with_platform_keys: ApiClient) -> None:
    api = api_with_platform_keys
    channel_id, channel_key = api.new_channel(asyncCustomerCreation=True)
    created = api.create_customer(channel_id, channel_key, {"firstName": "Ada", "lastName": "Lovelace"})
    assert created.status_code == 201, created.text
    assert api.customer(channel_id, channel_key, created.json()["customerId"]).status_code == 200


def test_a_platform_key_opens_nothing_the_app_guards(api_with_platform_keys: ApiClient) -> None:
    http = api_with_platform_keys.http
    for platform_key in ("platform-master-key", "platform-function-key"):
        response = http.post("/api/sync/runs", headers={"x-functions-key": platform_key})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    assert http.post("/api/sync/runs", headers=ADMIN).status_code == 200

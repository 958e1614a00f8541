"""authLevel is enforced as in Azure, so a route that is not anonymous fails here, not in production."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.devhost.conftest import StartSample
from tests.devhost.helpers import SampleHost

MASTER, HOST_KEY, OWN_KEY = "master-key-value", "host-function-key", "own-function-key"


def _key_store(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "host.json").write_text(
        json.dumps(
            {
                "masterKey": {"name": "master", "value": MASTER, "encrypted": False},
                "functionKeys": [{"name": "default", "value": HOST_KEY, "encrypted": False}],
                "systemKeys": [{"name": "probe_extension", "value": "system-key", "encrypted": False}],
            }
        )
    )
    (folder / "guarded_by_function_key.json").write_text(
        json.dumps({"keys": [{"name": "default", "value": OWN_KEY, "encrypted": False}]})
    )
    return {"AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(folder)}


@pytest.fixture
def keyed(start_sample: StartSample, tmp_path: Path) -> SampleHost:
    return start_sample(**_key_store(tmp_path / "secrets"))


def _get(host: SampleHost, route: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{host.base_url}/api/{route}", **kwargs)  # type: ignore[arg-type]


def test_without_a_key_store_no_key_opens_a_function_or_admin_route(start_sample: StartSample) -> None:
    sample = start_sample()
    for route in ("guarded/function", "guarded/admin"):
        for headers in ({}, {"x-functions-key": "anything"}):
            response = _get(sample, route, headers=headers)
            assert (response.status_code, response.content) == (401, b"")
    assert _get(sample, "text").status_code == 200  # anonymous routes need nothing


def test_function_level_takes_the_master_a_host_or_its_own_key_by_header_or_code(keyed: SampleHost) -> None:
    for key in (MASTER, HOST_KEY, OWN_KEY):
        assert _get(keyed, "guarded/function", headers={"x-functions-key": key}).status_code == 200
        assert _get(keyed, "guarded/function", params={"code": key}).status_code == 200
    # The function sees the code parameter, as it does in Azure.
    assert _get(keyed, "guarded/function", params={"code": OWN_KEY}).json()["query"] == {"code": OWN_KEY}


def test_wrong_missing_or_system_keys_get_an_empty_401(keyed: SampleHost) -> None:
    for attempt in (
        {},
        {"headers": {"x-functions-key": "wrong"}},
        {"params": {"code": "wrong"}},
        {"params": {"code": ""}},
        {"headers": {"x-functions-key": "system-key"}},
        {"headers": {"x-functions-key": MASTER.upper()}},  # compared exactly
    ):
        response = _get(keyed, "guarded/function", **attempt)
        assert (response.status_code, response.content) == (401, b""), attempt
        assert "www-authenticate" not in response.headers


def test_the_header_wins_over_the_code_parameter_even_when_empty(keyed: SampleHost) -> None:
    response = _get(keyed, "guarded/function", headers={"x-functions-key": ""}, params={"code": OWN_KEY})
    assert response.status_code == 401


def test_admin_level_takes_only_the_master_key(keyed: SampleHost) -> None:
    assert _get(keyed, "guarded/admin", headers={"x-functions-key": MASTER}).status_code == 200
    for key in (HOST_KEY, OWN_KEY):
        assert _get(keyed, "guarded/admin", headers={"x-functions-key": key}).status_code == 401

"""Start-up validation: the host refuses apps the Python worker would refuse."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from devhost import HostStartupError, LocalHost
from tests.devhost.helpers import SAMPLE_APP


def test_parameter_without_binding_and_output_without_out_fail_start_up() -> None:
    host = LocalHost(script_root=SAMPLE_APP, port=0, settings={}, app_module="misbound_app")
    with pytest.raises(HostStartupError) as raised:
        host.start()
    message = str(raised.value)
    assert "Function 'unbound'" in message
    assert "'customer_id'" in message
    assert "Function 'plain_output'" in message
    assert "azure.functions.Out" in message


def test_http_return_annotations_the_worker_cannot_encode_fail_the_whole_app() -> None:
    host = LocalHost(script_root=SAMPLE_APP, port=0, settings={}, app_module="return_annotations_app")
    with pytest.raises(HostStartupError) as raised:
        host.start()
    message = str(raised.value)
    assert (
        'Function \'says_none\': Python return annotation "NoneType" does not match binding type "http"'
        in message
    )
    assert (
        'Function \'says_bytes\': Python return annotation "bytes" does not match binding type "http"'
        in message
    )
    assert "Function 'says_out': return annotation should not be azure.functions.Out" in message
    assert "says_text" not in message
    assert "queue_says_none" not in message


def test_invalid_timer_schedule_fails_start_up(storage_connection_string: str) -> None:
    host = LocalHost(
        script_root=SAMPLE_APP,
        port=0,
        settings=_sample_settings(storage_connection_string, TICK_SCHEDULE="every minute"),
    )
    with pytest.raises(HostStartupError, match=r"Function 'tick'.*not recognized as a valid cron expression"):
        host.start()


def test_missing_setting_reference_fails_start_up(storage_connection_string: str) -> None:
    settings = _sample_settings(storage_connection_string)
    del settings["FAIL_QUEUE"]
    host = LocalHost(script_root=SAMPLE_APP, port=0, settings=settings)
    with pytest.raises(HostStartupError, match="'FAIL_QUEUE', which is not set"):
        host.start()


def test_two_function_apps_in_one_module_fail_start_up(tmp_path: Path) -> None:
    (tmp_path / "double_app.py").write_text(
        "import azure.functions as func\napp = func.FunctionApp()\nother = func.FunctionApp()\n"
    )
    with pytest.raises(HostStartupError, match="2 FunctionApp instances"):
        LocalHost(script_root=tmp_path, port=0, app_module="double_app").start()


def test_sample_app_does_not_shadow_another_function_app_module(storage_connection_string: str) -> None:
    before = sys.modules.get("function_app")
    with LocalHost(script_root=SAMPLE_APP, port=0, settings=_sample_settings(storage_connection_string)):
        pass
    assert sys.modules.get("function_app") is before


def test_local_settings_fill_in_but_never_override_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings_app.py").write_text(
        "import azure.functions as func\napp = func.FunctionApp()\n"
        "@app.route(route='x')\ndef x(req: func.HttpRequest) -> func.HttpResponse:\n"
        "    return func.HttpResponse('x')\n"
    )
    (tmp_path / "local.settings.json").write_text(
        '{"IsEncrypted": false, "Values": {"FROM_FILE": "file", "ALREADY_SET": "file", "OVERRIDDEN": "file"}}'
    )
    monkeypatch.setenv("ALREADY_SET", "environment")
    monkeypatch.delenv("FROM_FILE", raising=False)
    host = LocalHost(
        script_root=tmp_path, port=0, settings={"OVERRIDDEN": "explicit"}, app_module="settings_app"
    )
    with host:
        assert os.environ["FROM_FILE"] == "file"
        assert os.environ["ALREADY_SET"] == "environment"
        assert os.environ["OVERRIDDEN"] == "explicit"
    assert "FROM_FILE" not in os.environ
    assert "OVERRIDDEN" not in os.environ
    assert os.environ["ALREADY_SET"] == "environment"


def _sample_settings(connection: str, **overrides: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": connection,
        "OK_QUEUE": "ok-unused",
        "ECHO_QUEUE": "echo-unused",
        "FAIL_QUEUE": "fail-unused",
        "TICK_SCHEDULE": "0 0 0 1 1 *",
        "TICK_KEY": "tick-unused",
        **overrides,
    }

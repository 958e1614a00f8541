"""host.json defaults, TimeSpan parsing and `AzureFunctionsJobHost__` overrides."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from devhost.errors import HostStartupError
from devhost.host_config import HostConfig, QueueOptions, SingletonOptions, load_host_config
from devhost.timespan import parse_timespan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:00:30", timedelta(seconds=30)),
        ("01:02:03", timedelta(hours=1, minutes=2, seconds=3)),
        ("00:00:00.500", timedelta(milliseconds=500)),
        ("00:00:01.25", timedelta(seconds=1.25)),
        ("2.03:00:00", timedelta(days=2, hours=3)),
        ("1.00:00:00.1", timedelta(days=1, milliseconds=100)),
        ("00:05", timedelta(minutes=5)),
        ("3", timedelta(days=3)),
    ],
)
def test_timespan_formats(text: str, expected: timedelta) -> None:
    assert parse_timespan(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "00:61:00", "25:00:00", "1:2:3:4", "00:00:00,5"])
def test_timespan_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="TimeSpan"):
        parse_timespan(text)


def _write_host_json(folder: Path, document: dict[str, object]) -> Path:
    (folder / "host.json").write_text(json.dumps(document))
    return folder


def test_defaults_match_the_real_host_when_host_json_says_nothing(tmp_path: Path) -> None:
    config = load_host_config(_write_host_json(tmp_path, {"version": "2.0"}), environ={})
    assert config == HostConfig(
        route_prefix="api",
        queues=QueueOptions(
            batch_size=16,
            new_batch_threshold=8,
            max_dequeue_count=5,
            visibility_timeout=0.0,
            max_polling_interval=60.0,
            message_encoding="base64",
        ),
        singleton=SingletonOptions(listener_lock_period=15.0, listener_lock_recovery_polling_interval=60.0),
    )


def test_missing_host_json_means_defaults(tmp_path: Path) -> None:
    assert load_host_config(tmp_path, environ={}) == HostConfig()


def test_values_from_host_json(tmp_path: Path) -> None:
    root = _write_host_json(
        tmp_path,
        {
            "extensions": {
                "http": {"routePrefix": "/v1/"},
                "queues": {
                    "batchSize": 4,
                    "maxDequeueCount": 2,
                    "visibilityTimeout": "00:00:30",
                    "maxPollingInterval": "00:00:02",
                    "messageEncoding": "none",
                },
            }
        },
    )
    config = load_host_config(root, environ={})
    assert config.route_prefix == "v1"
    assert config.queues == QueueOptions(4, 2, 2, 30.0, 2.0, "none")


def test_empty_route_prefix_is_allowed(tmp_path: Path) -> None:
    root = _write_host_json(tmp_path, {"extensions": {"http": {"routePrefix": ""}}})
    assert load_host_config(root, environ={}).route_prefix == ""


def test_app_settings_override_host_json_with_double_underscore_nesting(tmp_path: Path) -> None:
    root = _write_host_json(
        tmp_path, {"extensions": {"queues": {"visibilityTimeout": "00:00:30", "batchSize": 16}}}
    )
    environ = {
        "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
        # keys match case-insensitively, and missing sections are created
        "AZUREFUNCTIONSJOBHOST__Extensions__Queues__MAXDEQUEUECOUNT": "2",
        "AzureFunctionsJobHost__extensions__http__routePrefix": "edge",
        "UNRELATED": "x",
    }
    config = load_host_config(root, environ=environ)
    assert config.queues.visibility_timeout == 1.0
    assert config.queues.max_dequeue_count == 2
    assert config.queues.batch_size == 16
    assert config.route_prefix == "edge"


def test_invalid_values_fail_start_up_with_the_setting_named(tmp_path: Path) -> None:
    root = _write_host_json(tmp_path, {"extensions": {"queues": {"visibilityTimeout": "soon"}}})
    with pytest.raises(HostStartupError, match="visibilityTimeout"):
        load_host_config(root, environ={})
    with pytest.raises(HostStartupError, match="batchSize"):
        load_host_config(root, environ={"AzureFunctionsJobHost__extensions__queues__batchSize": "64"})


def test_singleton_lease_limits_are_the_hosts(tmp_path: Path) -> None:
    root = _write_host_json(
        tmp_path,
        {"singleton": {"listenerLockPeriod": "00:00:30", "listenerLockRecoveryPollingInterval": "00:00:20"}},
    )
    assert load_host_config(root, environ={}).singleton == SingletonOptions(30.0, 20.0)
    for name, value in (
        ("listenerLockPeriod", "00:00:10"),
        ("listenerLockPeriod", "00:02:00"),
        ("listenerLockRecoveryPollingInterval", "00:00:05"),
    ):
        with pytest.raises(HostStartupError, match=name):
            load_host_config(root, environ={f"AzureFunctionsJobHost__singleton__{name}": value})

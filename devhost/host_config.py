"""host.json, read with the real host's defaults and its `AzureFunctionsJobHost__` overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost.errors import HostStartupError, read_json_object
from devhost.timespan import parse_timespan

HOST_FILE = "host.json"
OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
MESSAGE_ENCODINGS = ("base64", "none")


@dataclass(frozen=True)
class QueueOptions:
    """extensions.queues: how queue triggers poll, retry and poison messages."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    max_polling_interval: float = 60.0
    message_encoding: str = "base64"


@dataclass(frozen=True)
class SingletonOptions:
    """host.json `singleton`: the blob lease that keeps a timer on one instance at a time.

    The lease lasts 15 s by default, as under `func start` (the host's Development default; 60 s
    in Azure); a host without it tries to take it every minute, never more often than every 15 s.
    """

    listener_lock_period: float = 15.0
    listener_lock_recovery_polling_interval: float = 60.0


@dataclass(frozen=True)
class HostConfig:
    """The parts of host.json this host honours."""

    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()
    singleton: SingletonOptions = SingletonOptions()


def load_host_config(script_root: Path, environ: Mapping[str, str] | None = None) -> HostConfig:
    """Read script_root/host.json (optional) and apply overrides from app settings."""
    document = read_json_object(script_root / HOST_FILE)
    apply_overrides(document, os.environ if environ is None else environ)
    return build_host_config(document)


def apply_overrides(document: dict[str, Any], environ: Mapping[str, str]) -> None:
    """`AzureFunctionsJobHost__a__b=v` sets host.json's a.b to v; keys match case-insensitively."""
    prefix = OVERRIDE_PREFIX.lower()
    for name, value in sorted(environ.items()):
        if not name.lower().startswith(prefix):
            continue
        path = [part for part in name[len(prefix) :].split("__") if part]
        if path:
            _set_path(document, path, value)


def _set_path(document: dict[str, Any], path: list[str], value: str) -> None:
    node = document
    for part in path[:-1]:
        key = _existing_key(node, part)
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[_existing_key(node, path[-1])] = value


def _existing_key(node: Mapping[str, Any], wanted: str) -> str:
    for key in node:
        if key.lower() == wanted.lower():
            return key
    return wanted


def _section(document: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    node: Any = document
    for part in path:
        node = _get(node, part) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _get(node: Mapping[str, Any], wanted: str) -> Any:
    return node.get(_existing_key(node, wanted))


def build_host_config(document: Mapping[str, Any]) -> HostConfig:
    """Turn a (possibly overridden) host.json document into typed options with defaults."""
    http = _section(document, "extensions", "http")
    queues = _section(document, "extensions", "queues")
    route_prefix = _get(http, "routePrefix")
    return HostConfig(
        route_prefix="api" if route_prefix is None else str(route_prefix).strip("/"),
        queues=_queue_options(queues),
        singleton=_singleton_options(_section(document, "singleton")),
    )


def _singleton_options(section: Mapping[str, Any]) -> SingletonOptions:
    where = "singleton"
    period = _seconds(section, "listenerLockPeriod", 15.0, low=15.0, where=where)
    if period > 60.0:  # a blob lease lasts 15 to 60 seconds
        raise HostStartupError("host.json singleton.listenerLockPeriod must be between 00:00:15 and 00:01:00")
    return SingletonOptions(
        listener_lock_period=period,
        listener_lock_recovery_polling_interval=_seconds(
            section, "listenerLockRecoveryPollingInterval", 60.0, low=15.0, where=where
        ),
    )


def _queue_options(section: Mapping[str, Any]) -> QueueOptions:
    batch_size = _integer(section, "batchSize", 16, low=1, high=32)
    encoding = str(_get(section, "messageEncoding") or "base64").lower()
    if encoding not in MESSAGE_ENCODINGS:
        raise HostStartupError(
            f"host.json extensions.queues.messageEncoding must be one of {MESSAGE_ENCODINGS}, "
            f"got {encoding!r}"
        )
    return QueueOptions(
        batch_size=batch_size,
        new_batch_threshold=_integer(section, "newBatchThreshold", batch_size // 2, low=0),
        max_dequeue_count=_integer(section, "maxDequeueCount", 5, low=1),
        visibility_timeout=_seconds(section, "visibilityTimeout", 0.0, low=0.0),
        max_polling_interval=_seconds(section, "maxPollingInterval", 60.0, low=0.1),
        message_encoding=encoding,
    )


def _integer(section: Mapping[str, Any], key: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = _get(section, key)
    if raw is None:
        return default
    try:
        value = int(str(raw).strip())
    except ValueError as error:
        raise HostStartupError(f"host.json extensions.queues.{key} must be an integer") from error
    if value < low or (high is not None and value > high):
        limits = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise HostStartupError(f"host.json extensions.queues.{key} must be {limits}, got {value}")
    return value


def _seconds(
    section: Mapping[str, Any], key: str, default: float, *, low: float, where: str = "extensions.queues"
) -> float:
    raw = _get(section, key)
    if raw is None:
        return default
    try:
        value = parse_timespan(raw).total_seconds()
    except ValueError as error:
        raise HostStartupError(f"host.json {where}.{key}: {error}") from error
    if value < low:
        raise HostStartupError(f"host.json {where}.{key} must be at least {low} s")
    return value

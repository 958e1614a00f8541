"""App settings the way `func start` provides them: environment variables, seeded from
local.settings.json, with `%NAME%` references resolved against them."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from devhost.errors import HostStartupError, read_json_object

LOCAL_SETTINGS_FILE = "local.settings.json"
_SETTING_REFERENCE = re.compile(r"%([^%]+)%")


def read_local_settings(script_root: Path) -> dict[str, str]:
    """Return the `Values` of local.settings.json, or nothing when the file is absent."""
    path = script_root / LOCAL_SETTINGS_FILE
    values = read_json_object(path).get("Values") or {}
    if not isinstance(values, dict):
        raise HostStartupError(f"{path}: 'Values' must be an object of name/value pairs")
    return {str(name): _as_setting_text(value) for name, value in values.items()}


def _as_setting_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class EnvironmentPatch:
    """Writes settings into os.environ and can undo exactly what it wrote.

    The app reads os.environ, so settings must live there while the host runs; undoing them on
    stop keeps one test's host from leaking configuration into the next.
    """

    def __init__(self, environ: MutableMapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._previous: dict[str, str | None] = {}
        self._written: dict[str, str] = {}

    def apply(self, local_values: Mapping[str, str], overrides: Mapping[str, str]) -> None:
        """local.settings.json never overrides the environment; explicit overrides always win."""
        for name, value in local_values.items():
            if name not in self._environ:
                self._set(name, value)
        for name, value in overrides.items():
            self._set(name, str(value))

    def _set(self, name: str, value: str) -> None:
        if name not in self._previous:
            self._previous[name] = self._environ.get(name)
        self._environ[name] = value
        self._written[name] = value

    def restore(self) -> None:
        """Undo our writes, except where someone changed the variable after us."""
        for name, written in self._written.items():
            if self._environ.get(name) != written:
                continue
            previous = self._previous[name]
            if previous is None:
                self._environ.pop(name, None)
            else:
                self._environ[name] = previous
        self._previous.clear()
        self._written.clear()


def resolve_setting_references(value: str, what: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace each `%NAME%` with the app setting NAME, as the host does for binding properties."""
    source = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in source:
            raise HostStartupError(f"{what} refers to app setting '{name}', which is not set")
        return source[name]

    return _SETTING_REFERENCE.sub(substitute, value)


def storage_connection_string(
    connection: str | None, what: str, environ: Mapping[str, str] | None = None
) -> str:
    """Look up the connection string a binding's `connection` names, with the host's fallbacks."""
    source = os.environ if environ is None else environ
    name = connection or "AzureWebJobsStorage"
    for candidate in (name, f"AzureWebJobs{name}"):
        value = source.get(candidate)
        if value:
            return value
    raise HostStartupError(
        f"{what} uses connection '{name}', but app setting '{name}' holds no connection string"
    )

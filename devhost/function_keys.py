"""Function keys, checked as the Functions host checks them for `authLevel` function and admin.

Keys come from the host's `files` secret store: with app settings
`AzureWebJobsSecretStorageType=files` and `FUNCTIONS_SECRETS_PATH=<folder>`, the folder holds
`host.json` (`{"masterKey": {"name": "master", "value": "..."}, "functionKeys": [...]}`) and one
`<function name>.json` per function (`{"keys": [{"name": "default", "value": "..."}]}`). Without a
key store no key is valid, so a non-anonymous function answers 401 to everyone, as on a host whose
keys you do not hold.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.errors import HostStartupError, read_json_object

KEY_HEADER = "x-functions-key"
KEY_QUERY_PARAMETER = "code"
ANONYMOUS, FUNCTION, ADMIN = "anonymous", "function", "admin"
STORAGE_TYPE_SETTING = "AzureWebJobsSecretStorageType"
SECRETS_PATH_SETTING = "FUNCTIONS_SECRETS_PATH"


@dataclass(frozen=True)
class FunctionKeys:
    master: str | None = None
    host_function_keys: tuple[str, ...] = ()
    function_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls, function_names: Iterable[str], environ: Mapping[str, str] | None = None
    ) -> FunctionKeys:
        source = os.environ if environ is None else environ
        if source.get(STORAGE_TYPE_SETTING, "").lower() != "files":
            return cls()
        folder = source.get(SECRETS_PATH_SETTING)
        if not folder:
            raise HostStartupError(
                f"{STORAGE_TYPE_SETTING}=files needs {SECRETS_PATH_SETTING}, the keys' folder"
            )
        host_file = Path(folder) / "host.json"
        host = read_json_object(host_file)
        master = host.get("masterKey")
        return cls(
            master=_key_value(master, host_file) if master is not None else None,
            host_function_keys=_key_values(host.get("functionKeys", []), host_file),
            function_keys={name: _own_keys(Path(folder), name) for name in function_names},
        )

    def allows(self, auth_level: str, function_name: str, presented: str | None) -> bool:
        """Anonymous lets everyone in; function wants the master key, a host function key or one
        of the function's own keys; admin wants the master key. System keys open neither."""
        level = auth_level.lower()
        if level == ANONYMOUS:
            return True
        if not presented:
            return False
        if self.master is not None and _same(presented, self.master):
            return True
        if level != FUNCTION:
            return False
        candidates = (*self.host_function_keys, *self.function_keys.get(function_name, ()))
        return any(_same(presented, key) for key in candidates)


def presented_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The header wins whenever it is sent, even empty; else the `code` query parameter."""
    for name, value in headers.items():
        if name.lower() == KEY_HEADER:
            return value
    return query.get(KEY_QUERY_PARAMETER)


def _same(presented: str, key: str) -> bool:
    return hmac.compare_digest(presented.encode(), key.encode())


def _own_keys(folder: Path, function_name: str) -> tuple[str, ...]:
    """A function's own keys, in `<function name>.json` (the host looks the name up lower-cased)."""
    path = folder / f"{function_name.lower()}.json"
    return _key_values(read_json_object(path).get("keys", []), path)


def _key_values(entries: Any, path: Path) -> tuple[str, ...]:
    if not isinstance(entries, list):
        raise HostStartupError(f"{path}: keys must be a list of {{'name', 'value'}} objects")
    return tuple(_key_value(entry, path) for entry in entries)


def _key_value(entry: Any, path: Path) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str) or not entry["value"]:
        raise HostStartupError(f"{path}: every key is an object with a non-empty 'value'")
    if entry.get("encrypted"):
        raise HostStartupError(
            f"{path}: encrypted keys cannot be read locally; store them with encrypted=false"
        )
    return str(entry["value"])

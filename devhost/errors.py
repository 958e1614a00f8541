"""The one error type a start-up problem surfaces as, so callers can tell it from a crash, and the
reading of the configuration files whose mistakes raise it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class HostStartupError(Exception):
    """The app cannot be hosted as configured; the message says what to fix."""


def read_json_object(path: Path) -> dict[str, Any]:
    """A configuration file the host reads (host.json, local.settings.json, key files): a JSON
    object, or nothing when the file is absent; anything else stops start-up, naming the file."""
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise HostStartupError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise HostStartupError(f"{path} must hold a JSON object")
    return document

"""Text longer than one Azure Table property holds, stored across several.

A string property holds at most 64 KiB, counted in UTF-16 by Azure; a customer's profile within
the request limits (64 KiB of JSON, with escapes and characters outside the Basic Multilingual
Plane) can be longer. It is cut into parts of 16,000 code points, at most 64,000 bytes in UTF-8 or
UTF-16 whatever the characters, kept as `Name`, `Name2`, `Name3`, ... with `NameParts` saying how
many, so a client never meets the storage's limit as a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PART_CODE_POINTS = 16_000


def long_text(name: str, text: str) -> dict[str, Any]:
    """The properties that hold `text`: one for most, `{name}Parts` more for a long one."""
    parts = [text[start : start + PART_CODE_POINTS] for start in range(0, len(text), PART_CODE_POINTS)]
    if len(parts) <= 1:
        return {name: text}
    properties: dict[str, Any] = {f"{name}Parts": len(parts)}
    for number, part in enumerate(parts, start=1):
        properties[name if number == 1 else f"{name}{number}"] = part
    return properties


def read_long_text(entity: Mapping[str, Any], name: str) -> str:
    parts = int(entity.get(f"{name}Parts") or 1)
    return str(entity[name]) + "".join(str(entity[f"{name}{number}"]) for number in range(2, parts + 1))

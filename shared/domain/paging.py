"""Pages of a list: a limit, and an opaque cursor that says where the next page starts.

A cursor is the position of the last item returned, base64url-encoded so clients treat it as a
token; decoding a tampered one fails as a bad `cursor` field, and a cursor only ever moves a reader
forward inside the range its query already covers, so it cannot reach other data.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.models import ApiModel

ItemT = TypeVar("ItemT", bound=BaseModel)
RowT = TypeVar("RowT")
MAX_CURSOR_LENGTH = 2048


class Page(ApiModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(position, dict):
            raise ValueError
        return position
    except (ValueError, binascii.Error):
        raise ValidationFailed([FieldError("cursor", "is not a cursor this list gave out")]) from None


def read_after(cursor: str | None) -> str | None:
    """Where a keyset page starts: the position of the last item the previous page returned."""
    position = decode_cursor(cursor)
    return str(position.get("after", "")) if position else None


def keyset_page(
    found: list[RowT], limit: int, position: Callable[[RowT], str]
) -> tuple[list[RowT], str | None]:
    """`found` was read with `limit + 1`: the page, and a cursor when one more item exists."""
    items = found[:limit]
    return items, encode_cursor({"after": position(items[-1])}) if len(found) > limit else None

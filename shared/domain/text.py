"""Text a client may store: one line of printable characters, nothing that rewrites how it shows.

Control characters (C0 and C1, NUL, CR and LF among them) break logs, CSV exports and receipts;
bidirectional overrides (U+202A-U+202E, U+2066-U+2069) make text read differently from what it is.
Format characters (Unicode category Cf: zero-width spaces, the BOM, direction marks, tag
characters) are invisible, so two names that look alike would differ; line and paragraph
separators (U+2028, U+2029) break a line where no line may break; private-use characters and
noncharacters (U+FDD0-U+FDEF, U+FFFE, U+FFFF and their like in every plane) mean nothing to anyone
else. All are refused, not stripped, so what is stored is exactly what the client sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import BeforeValidator, StringConstraints

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_REFUSED_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Co"})
REFUSED_MESSAGE = (
    "must not contain control, format or private-use characters, line or paragraph separators, "
    "noncharacters or bidirectional overrides"
)


def _is_noncharacter(code_point: int) -> bool:
    return 0xFDD0 <= code_point <= 0xFDEF or code_point & 0xFFFE == 0xFFFE


def has_unsafe_characters(value: str) -> bool:
    if _UNSAFE.search(value):
        return True
    if value.isascii():  # the common case: no character outside ASCII can be refused
        return False
    return any(
        unicodedata.category(char) in _REFUSED_CATEGORIES or _is_noncharacter(ord(char))
        for char in value
        if ord(char) > 0x7F
    )


def refuse_unsafe_characters(value: Any) -> Any:
    """Checked before trimming, so a trailing newline is refused rather than quietly removed."""
    if isinstance(value, str) and has_unsafe_characters(value):
        raise ValueError(REFUSED_MESSAGE)
    return value


# Put last in an Annotated string type, after its constraints: `Annotated[str, line(60), SAFE_TEXT]`;
# a before-validator still runs first, on the text as sent.
SAFE_TEXT = BeforeValidator(refuse_unsafe_characters)


def line(max_length: int) -> StringConstraints:
    """A trimmed, non-empty line of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)

"""Text a client may store: one line of printable characters, nothing that rewrites how it shows.

Control characters (C0 and C1, NUL, CR and LF among them) break logs, CSV exports and receipts;
bidirectional overrides (U+202A-U+202E, U+2066-U+2069) make text read differently from what it is.
Both are refused, not stripped, so what is stored is exactly what the client sent.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BeforeValidator, StringConstraints

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_unsafe_characters(value: Any) -> Any:
    """Checked before trimming, so a trailing newline is refused rather than quietly removed."""
    if isinstance(value, str) and _UNSAFE.search(value):
        raise ValueError("must not contain control characters or bidirectional overrides")
    return value


def has_unsafe_characters(value: str) -> bool:
    return _UNSAFE.search(value) is not None


# Put last in an Annotated string type, after its constraints: `Annotated[str, line(60), SAFE_TEXT]`;
# a before-validator still runs first, on the text as sent.
SAFE_TEXT = BeforeValidator(refuse_unsafe_characters)


def line(max_length: int) -> StringConstraints:
    """A trimmed, non-empty line of at most `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)

"""What this instance has counted of each key's reads: the customers it served per key, epoch and hour."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass


@dataclass
class KeyReadTracker:
    """This instance's customers served per key, epoch and hour: what it has counted already."""

    seen: dict[tuple[str, str, int, str], set[str]]
    lock: threading.Lock

    @classmethod
    def new(cls) -> KeyReadTracker:
        return cls(defaultdict(set), threading.Lock())

"""`make bench-quick` (BENCH_QUICK=1) runs every benchmark with a fifth of its requests."""

from __future__ import annotations

import os


def quick() -> bool:
    return os.environ.get("BENCH_QUICK", "") == "1"


def scaled(count: int) -> int:
    return max(10, count // 5) if quick() else count

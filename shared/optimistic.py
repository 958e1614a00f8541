"""The one retry loop for optimistic concurrency, with its bounds and back-off in one place.

Every read-decide-write under an ETag (or a create-only insert) that can lose a race to another
instance runs through `retry_on_conflict`: on a conflict it reads again and decides again, a bounded
number of times, pausing a short random while between tries so that racers spread out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

ATTEMPTS = 10
# A counter every instance moves at once (the account number sequence) loses more races.
SHARED_COUNTER_ATTEMPTS = 50
BACKOFF_STEP_SECONDS = 0.005


def retry_on_conflict(
    attempt: Callable[[], T],
    *,
    conflicts: tuple[type[BaseException], ...],
    exhausted: BaseException | Callable[[], T],
    attempts: int = ATTEMPTS,
) -> T:
    """`attempt()` until it finishes without one of `conflicts`; after `attempts` tries, raise
    `exhausted`, or return what it returns when it is a function (a best-effort write gives up)."""
    for number in range(attempts):
        try:
            return attempt()
        except conflicts:
            time.sleep(random.uniform(0, BACKOFF_STEP_SECONDS * (number + 1)))
    if isinstance(exhausted, BaseException):
        raise exhausted
    return exhausted()

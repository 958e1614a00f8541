"""Real-time calls to HQ on the request path, cut off after HQ_TIMEOUT_SECONDS.

The call goes on in the background when the request stops waiting; every HQ write is idempotent, so
a late finish is harmless and the pending operation makes sure it happens at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import ParamSpec, TypeVar

from shared.domain.errors import DomainError, HeadquartersUnavailable

P = ParamSpec("P")
T = TypeVar("T")


class HeadquartersCalls:
    """Runs calls to HQ on threads of its own, so the request can stop waiting at the timeout."""

    def __init__(self, *, timeout_seconds: float, threads: int = 32) -> None:
        self.timeout_seconds = timeout_seconds
        self._calls = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hq-call")

    def within_timeout(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Runs `call`; raises HeadquartersUnavailable if HQ fails or is slower than the timeout."""
        future = self._calls.submit(call, *args, **kwargs)
        try:
            return future.result(timeout=self.timeout_seconds)
        except FutureTimeout:
            raise HeadquartersUnavailable(f"HQ did not answer within {self.timeout_seconds:g} s") from None
        except DomainError:
            raise
        except Exception as error:
            raise HeadquartersUnavailable(f"HQ call failed ({type(error).__name__})") from error

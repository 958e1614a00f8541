"""Timing primitives: percentiles over samples, sequential and concurrent runs of one action."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks, so p50 of two samples is their mean."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    weight = position - lower
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


@dataclass(frozen=True)
class Latencies:
    """Milliseconds per call, as measured one call at a time."""

    samples_ms: tuple[float, ...]

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)

    @property
    def per_second(self) -> float:
        """Calls per second one caller gets when it makes them back to back."""
        return 1000.0 / (sum(self.samples_ms) / len(self.samples_ms))


@dataclass(frozen=True)
class ConcurrentRun:
    """`count` calls spread over `threads` callers: the wall time, and each call's own latency."""

    count: int
    threads: int
    elapsed_s: float
    latencies: Latencies

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed_s


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000.0


def time_each(action: Callable[[], object], count: int, *, warmup: int = 0) -> Latencies:
    """Runs `action` sequentially; the warm-up calls (connections, caches, JIT-less imports) are dropped."""
    for _ in range(warmup):
        action()
    return Latencies(tuple(timed_ms(action) for _ in range(count)))


def run_concurrently(action: Callable[[int], object], count: int, *, threads: int) -> ConcurrentRun:
    """Calls `action(i)` for i in range(count) from `threads` workers; an exception fails the run."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bench-client") as pool:
        started = time.perf_counter()
        samples = list(pool.map(lambda index: timed_ms(lambda: action(index)), range(count)))
        elapsed = time.perf_counter() - started
    return ConcurrentRun(count, threads, elapsed, Latencies(tuple(samples)))


def sync_lags_ms(customers: list[dict[str, Any]]) -> list[float] | None:
    """Each customer's `syncedAt` minus its `createdAt`, or None while any is still pending."""
    if any(customer["syncedAt"] is None for customer in customers):
        return None
    return [
        (datetime.fromisoformat(c["syncedAt"]) - datetime.fromisoformat(c["createdAt"])).total_seconds()
        * 1000
        for c in customers
    ]


def machine_busy_seconds() -> float:
    """CPU time every process of the machine has spent busy, from /proc/stat (Linux): Azurite,
    hosts and clients alike."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuCost:
    """The machine's busy CPU per unit of work, and the rate its CPUs could sustain at that cost."""

    ms_per_unit: float

    @property
    def ceiling_per_second(self) -> float:
        return (os.cpu_count() or 1) * 1000.0 / self.ms_per_unit


def machine_cpu_of(action: Callable[[], Any], units: int) -> tuple[Any, CpuCost]:
    before = machine_busy_seconds()
    outcome = action()
    return outcome, CpuCost((machine_busy_seconds() - before) * 1000.0 / units)

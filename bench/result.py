"""What one benchmark reports: its measurement, the floor it is compared with, and the ratio."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Floor:
    """A cost measured in the same run that the benchmark cannot beat, or that it must stay close to."""

    description: str
    value: float
    unit: str

    def label(self) -> str:
        return f"{self.description}: {_number(self.value)} {self.unit}"


@dataclass(frozen=True)
class BenchmarkResult:
    name: str
    measured: str
    floor: Floor
    ratio: float
    ratio_meaning: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    throughput: float | None = None
    throughput_unit: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def number_or_dash(value: float | None) -> str:
    return "-" if value is None else _number(value)

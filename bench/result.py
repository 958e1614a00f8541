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
class Target:
    """What the ratio (or, with `of_value`, the measured value itself) must be: at most (`<=`) or at
    least (`>=`) `value`."""

    comparison: str
    value: float
    of_value: bool = False

    def met_by(self, number: float) -> bool:
        return number <= self.value if self.comparison == "<=" else number >= self.value

    def label(self) -> str:
        return f"{'value' if self.of_value else 'ratio'} {self.comparison} {self.value:g}"


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
    target: Target | None = None
    value: float | None = None  # what was measured, in the floor's unit (None: the ratio is the value)

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        measured = self.value if self.target.of_value and self.value is not None else self.ratio
        return self.target.met_by(measured)

    def as_json(self) -> dict[str, Any]:
        described = asdict(self)
        return {
            **described,
            "value": self.value,
            "floor": self.floor.value,
            "floor_description": f"{self.floor.description} ({self.floor.unit})",
            "ratio": self.ratio,
            "target": self.target.label() if self.target else None,
            "pass": self.passed,
        }


def _number(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def number_or_dash(value: float | None) -> str:
    return "-" if value is None else _number(value)

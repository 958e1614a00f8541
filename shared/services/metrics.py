"""The app's metrics, through the vendor-neutral OpenTelemetry API: nothing here knows where they
go. With `APPLICATIONINSIGHTS_CONNECTION_STRING` set, `shared/telemetry.py` exports them to
Application Insights; without it every call is a no-op, and the same numbers are in
`/api/sync/status` and the console. Attributes are modes, reasons and error codes, never ids of
people and never personal data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from opentelemetry import metrics

meter = metrics.get_meter("commerce.async_customers")

creates = meter.create_counter(
    "customers.created", unit="{customer}", description="Customers created, by mode and fallback reason"
)
conversions = meter.create_counter(
    "customers.converted", unit="{customer}", description="Pending customers converted to HQ customers"
)
conversion_failures = meter.create_counter(
    "customers.conversion_failures", unit="{failure}", description="Conversions that failed, by error code"
)
create_duration = meter.create_histogram(
    "customers.create.duration", unit="ms", description="Time to answer a create, by mode"
)
conversion_duration = meter.create_histogram(
    "customers.conversion.duration", unit="ms", description="Time to convert one customer"
)


class _LastSeen:
    """The backlog numbers as the last status call or batch run saw them, for the gauges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, float] = {}

    def set(self, **values: float | None) -> None:
        with self._lock:
            self._values.update({name: value for name, value in values.items() if value is not None})

    def observe(self, name: str) -> Iterable[metrics.Observation]:
        with self._lock:
            value = self._values.get(name)
        return [] if value is None else [metrics.Observation(value)]


last_seen = _LastSeen()
meter.create_observable_gauge(
    "sync.pending_backlog",
    callbacks=[lambda _options: last_seen.observe("pending")],
    unit="{operation}",
    description="Operations pending synchronization",
)
meter.create_observable_gauge(
    "sync.oldest_pending_age",
    callbacks=[lambda _options: last_seen.observe("oldest_seconds")],
    unit="s",
    description="Age of the oldest pending operation",
)
meter.create_observable_gauge(
    "sync.poison_messages",
    callbacks=[lambda _options: last_seen.observe("poison")],
    unit="{message}",
    description="Messages in the poison queue",
)

"""Timer triggers: NCRONTAB (six fields, seconds first) or TimeSpan schedules, in UTC."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol

from azure.functions.timer import TimerRequest
from croniter import croniter

from devhost.errors import HostStartupError
from devhost.indexing import FunctionSpec
from devhost.invoker import Invoker, log_invocation
from devhost.timespan import parse_timespan

logger = logging.getLogger("devhost")

PAST_DUE_TOLERANCE = timedelta(seconds=1)
NEVER = datetime.min.replace(tzinfo=UTC)


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime: ...


class CronSchedule:
    """`sec min hour day month day-of-week`, as NCRONTAB with seconds."""

    def __init__(self, expression: str) -> None:
        self.expression = expression

    def next_after(self, moment: datetime) -> datetime:
        following: datetime = croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)
        return following


class IntervalSchedule:
    """A TimeSpan schedule such as "00:05:00": every interval, counted from start-up."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval


def parse_schedule(expression: str, where: str) -> Schedule:
    """Validate now, so a bad schedule stops start-up instead of silently never firing."""
    text = expression.strip()
    if ":" in text and " " not in text:
        try:
            interval = parse_timespan(text)
        except ValueError as error:
            raise HostStartupError(f"{where}: schedule '{expression}': {error}") from error
        if interval <= timedelta(0):
            raise HostStartupError(f"{where}: schedule '{expression}' must be positive")
        return IntervalSchedule(interval)
    if len(text.split()) != 6:
        raise HostStartupError(
            f"{where}: schedule '{expression}' is not a six-field NCRONTAB expression "
            "('{second} {minute} {hour} {day} {month} {day-of-week}')"
        )
    if not croniter.is_valid(text, second_at_beginning=True):
        raise HostStartupError(f"{where}: schedule '{expression}' is not a valid NCRONTAB expression")
    return CronSchedule(text)


def utc_now() -> datetime:
    return datetime.now(UTC)


class TimerListener:
    """Fires one timer function; runs on a single thread, so invocations never overlap."""

    def __init__(
        self, spec: FunctionSpec, schedule: Schedule, run_on_startup: bool, invoker: Invoker
    ) -> None:
        self.spec = spec
        self._schedule = schedule
        self._run_on_startup = run_on_startup
        self._invoker = invoker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"devhost-timer-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        last = NEVER
        due = self._schedule.next_after(utc_now())
        if self._run_on_startup:
            self._fire(due, last, past_due=False)
        while not self._stop.wait(max(0.0, (due - utc_now()).total_seconds())):
            fired = utc_now()
            following = self._schedule.next_after(max(fired, due))
            self._fire(following, last, past_due=fired - due > PAST_DUE_TOLERANCE)
            last = due
            # Occurrences missed while the function ran are skipped, like the host does.
            due = self._schedule.next_after(max(utc_now(), due))

    def _fire(self, following: datetime, last: datetime, *, past_due: bool) -> None:
        request = TimerRequest(
            past_due=past_due,
            schedule_status={
                "Last": last.isoformat(),
                "Next": following.isoformat(),
                "LastUpdated": utc_now().isoformat(),
            },
            schedule={"AdjustForDST": False},
        )
        result = self._invoker.invoke(self.spec, request)
        log_invocation(self.spec, result, details={"PastDue": past_due} if past_due else None)

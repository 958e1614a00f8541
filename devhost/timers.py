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
from devhost.singleton import ListenerLock
from devhost.timespan import parse_timespan

logger = logging.getLogger("devhost")

PAST_DUE_TOLERANCE = timedelta(seconds=1)
LOCK_CHECK_INTERVAL = 0.25
NEVER = datetime.min.replace(tzinfo=UTC)


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime: ...


class CronSchedule:
    """`sec min hour day month day-of-week`, as NCRONTAB with seconds.

    NCRONTAB fires only when day-of-month *and* day-of-week both match (`0 0 0 13 * 5` is Friday
    the 13th); classic cron, and croniter by default, fire when either does.
    """

    def __init__(self, expression: str) -> None:
        self.expression = expression

    def next_after(self, moment: datetime) -> datetime:
        schedule = croniter(self.expression, moment, second_at_beginning=True, day_or=False)
        following: datetime = schedule.get_next(datetime)
        return following


class IntervalSchedule:
    """A TimeSpan schedule such as "00:05:00": every interval, counted from start-up."""

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval


def parse_schedule(expression: str, where: str) -> Schedule:
    """Validate now, so a bad schedule stops start-up instead of silently never firing.

    As the timer extension does: five or six fields are NCRONTAB (six with seconds first, five
    firing at second 0), anything else must be a TimeSpan.
    """
    text = expression.strip()
    fields = text.split()
    if len(fields) in (5, 6):
        with_seconds = " ".join(fields if len(fields) == 6 else ["0", *fields])
        _check_day_of_week(with_seconds.split()[5], expression, where)
        if not croniter.is_valid(with_seconds, second_at_beginning=True):
            raise HostStartupError(f"{where}: schedule '{expression}' is not a valid NCRONTAB expression")
        return CronSchedule(with_seconds)
    try:
        interval = parse_timespan(text)
    except ValueError:
        raise HostStartupError(
            f"{where}: schedule '{expression}' was not recognized as a valid cron expression "
            "('{second} {minute} {hour} {day} {month} {day-of-week}') or timespan string"
        ) from None
    if interval <= timedelta(0):
        raise HostStartupError(f"{where}: schedule '{expression}' must be positive")
    return IntervalSchedule(interval)


def _check_day_of_week(field: str, expression: str, where: str) -> None:
    """NCRONTAB counts days of the week 0 (Sunday) to 6; cron's 7 for Sunday is refused."""
    for part in field.split(","):
        bounds = part.split("/")[0]
        for value in bounds.split("-"):
            if value.isdigit() and int(value) > 6:
                raise HostStartupError(
                    f"{where}: schedule '{expression}': {value} is higher than the maximum allowable "
                    "value for the day-of-week field (0 to 6, Sunday is 0)"
                )


def utc_now() -> datetime:
    return datetime.now(UTC)


class TimerListener:
    """Fires one timer function on a single thread, so its invocations never overlap; with a
    `lock`, only while this host holds the timer's singleton lease."""

    def __init__(
        self,
        spec: FunctionSpec,
        schedule: Schedule,
        run_on_startup: bool,
        invoker: Invoker,
        lock: ListenerLock | None = None,
    ) -> None:
        self.spec = spec
        self._schedule = schedule
        self._run_on_startup = run_on_startup
        self._invoker = invoker
        self._lock = lock
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
        try:
            first = True
            while not self._stop.is_set():
                if self._lock is not None and not self._lock.wait_until_acquired(self._stop):
                    return
                self._fire_while_in_charge(run_now=first and self._run_on_startup)
                first = False
                if self._lock is None:
                    return
        finally:
            if self._lock is not None:
                self._lock.release()

    def _fire_while_in_charge(self, *, run_now: bool) -> None:
        """Fire on schedule until the host stops or loses the singleton lock."""
        last = NEVER
        due = self._schedule.next_after(utc_now())
        if run_now:
            self._fire(due, last, past_due=False)
        while not self._sleep_until(due):
            fired = utc_now()
            following = self._schedule.next_after(max(fired, due))
            self._fire(following, last, past_due=fired - due > PAST_DUE_TOLERANCE)
            last = due
            # Occurrences missed while the function ran are skipped, like the host does.
            due = self._schedule.next_after(max(utc_now(), due))

    def _sleep_until(self, moment: datetime) -> bool:
        """True when firing must end (stopping, or the lock is gone) before `moment` comes."""
        while True:
            if self._stop.is_set() or (self._lock is not None and not self._lock.held):
                return True
            remaining = (moment - utc_now()).total_seconds()
            if remaining <= 0:
                return False
            self._stop.wait(min(remaining, LOCK_CHECK_INTERVAL))

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

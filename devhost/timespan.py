"""Parse .NET TimeSpan strings, the format host.json uses for durations."""

from __future__ import annotations

import re
from datetime import timedelta

_TIMESPAN = re.compile(
    r"^(?P<sign>-)?"
    r"(?:(?P<days>\d+)\.)?"
    r"(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})"
    r"(?::(?P<seconds>\d{1,2})(?:\.(?P<fraction>\d{1,7}))?)?$"
)
_DAYS_ONLY = re.compile(r"^(?P<sign>-)?(?P<days>\d+)$")


def parse_timespan(value: object) -> timedelta:
    """Parse "hh:mm[:ss[.fffffff]]", "d.hh:mm:ss[.fffffff]" or "d" like TimeSpan.Parse does.

    JSON numbers are accepted the way the .NET configuration binder treats them: as text,
    so ``5`` means five days, not five seconds.
    """
    text = str(value).strip()
    match = _TIMESPAN.match(text)
    if match is None:
        days_only = _DAYS_ONLY.match(text)
        if days_only is None:
            raise ValueError(f"{value!r} is not a TimeSpan (expected 'hh:mm:ss' or 'd.hh:mm:ss')")
        days = int(days_only["days"])
        return -timedelta(days=days) if days_only["sign"] else timedelta(days=days)

    hours, minutes = int(match["hours"]), int(match["minutes"])
    seconds = int(match["seconds"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{value!r} is not a TimeSpan: hours, minutes or seconds out of range")
    fraction = match["fraction"] or ""
    microseconds = int(fraction.ljust(7, "0")) / 10 if fraction else 0.0
    span = timedelta(
        days=int(match["days"] or 0),
        hours=hours,
        minutes=minutes,
        seconds=seconds,
        microseconds=microseconds,
    )
    return -span if match["sign"] else span

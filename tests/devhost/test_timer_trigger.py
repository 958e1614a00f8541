"""Timer triggers: NCRONTAB with seconds, schedule from an app setting."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devhost import HostStartupError
from devhost.singleton import host_id, stable_hash
from devhost.timers import parse_schedule
from tests.devhost.conftest import StartSample
from tests.devhost.helpers import devhost_process, unique_name, wait_for


def test_every_second_schedule_from_a_setting_fires_repeatedly(start_sample: StartSample) -> None:
    sample = start_sample(TICK_SCHEDULE="*/1 * * * * *")
    key = sample.settings["TICK_KEY"]
    ticks = wait_for(lambda: (r := sample.records(key)) and len(r) >= 2 and r, timeout=5)

    first, second = ticks[0], ticks[1]
    assert first["past_due"] is False
    assert set(first["status"]) == {"Last", "Next", "LastUpdated"}
    assert datetime.fromisoformat(first["status"]["Next"]) > datetime.fromisoformat(
        first["status"]["LastUpdated"]
    )
    assert 0.5 < second["at"] - first["at"] < 1.5
    assert second["status"]["Last"] != first["status"]["Last"]


def _dates(expression: str, start: datetime, count: int) -> list[str]:
    schedule = parse_schedule(expression, "test")
    moments, moment = [], start
    for _ in range(count):
        moment = schedule.next_after(moment)
        moments.append(moment.date().isoformat())
    return moments


def test_ncrontab_needs_day_of_month_and_day_of_week_to_match_both() -> None:
    """`0 0 0 13 * 5` is Friday the 13th on the host, not every Friday plus every 13th as in cron."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert _dates("0 0 0 13 * 5", start, 3) == ["2026-02-13", "2026-03-13", "2026-11-13"]
    assert _dates("0 0 0 13 * *", start, 2) == ["2026-01-13", "2026-02-13"]
    assert _dates("0 0 0 * * 1", start, 2) == ["2026-01-05", "2026-01-12"]


def test_five_fields_fire_at_second_zero_and_sunday_is_0_not_7() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert _dates("0 9 * * 0", start, 2) == ["2026-01-04", "2026-01-11"]
    assert parse_schedule("*/5 * * * *", "test").next_after(start) == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
    with pytest.raises(HostStartupError, match="7 is higher than the maximum"):
        parse_schedule("0 0 9 * * 7", "test")
    with pytest.raises(HostStartupError, match="7 is higher than the maximum"):
        parse_schedule("0 0 9 * * 5-7", "test")


def test_timer_runs_on_one_host_at_a_time_and_moves_when_that_host_stops(
    storage_connection_string: str,
) -> None:
    """Two host processes of one app on one storage account: the timer's blob lease lets one fire."""
    shared = {
        "AzureWebJobsStorage": storage_connection_string,
        "AzureFunctionsWebHost__hostid": unique_name("pair"),
        "AzureFunctionsJobHost__singleton__listenerLockPeriod": "00:00:15",
        # The shortest the host allows: the follower tries again every 15 s.
        "AzureFunctionsJobHost__singleton__listenerLockRecoveryPollingInterval": "00:00:15",
        "OK_QUEUE": unique_name("ok"),
        "ECHO_QUEUE": unique_name("echo"),
        "FAIL_QUEUE": unique_name("fail"),
        "TICK_SCHEDULE": "*/1 * * * * *",
        "TICK_KEY": "ticks",
    }
    with devhost_process(shared) as first, devhost_process(shared) as second:
        wait_for(lambda: len(first.records("ticks")) + len(second.records("ticks")) >= 3)
        holders = [host for host in (first, second) if host.records("ticks")]
        assert len(holders) == 1, "both hosts fired the timer"
        [leader] = holders
        follower = second if leader is first else first

        leader.process.send_signal(signal.SIGTERM)
        assert leader.process.wait(timeout=10) == 0
        # The stopping host gives its lease back; the other takes over at its next try.
        wait_for(lambda: len(follower.records("ticks")) >= 2, timeout=25)


def test_host_id_is_the_setting_or_machine_name_and_script_path_hash(tmp_path: Path) -> None:
    assert host_id(tmp_path, {"AzureFunctionsWebHost__hostid": "store-app"}) == "store-app"
    generated = host_id(tmp_path, {})
    assert generated == host_id(tmp_path, {}), "the same folder always gets the same id"
    assert generated != host_id(tmp_path / "other", {})
    assert len(generated) <= 32 and generated == generated.lower()
    # The host's Utility.GetStableHash, checked against values worked out by hand.
    assert stable_hash("") == 23
    assert stable_hash("abc") == 781547
    assert stable_hash("x" * 40) < 0  # wraps around as a 32-bit int does

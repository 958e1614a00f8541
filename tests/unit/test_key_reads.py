"""A key's read count, as the domain keeps it: by clock hour, estimated over the last hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.key_reads import KeyReads

NINE = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_counts_add_up_within_an_hour_and_roll_over_into_the_next() -> None:
    reads = KeyReads().added(10, NINE + timedelta(minutes=5)).added(5, NINE + timedelta(minutes=50))
    assert (reads.hour, reads.count, reads.previous) == ("2026120509", 15, 0)
    rolled = reads.added(3, NINE + timedelta(hours=1, minutes=1))
    assert (rolled.hour, rolled.count, rolled.previous) == ("2026120510", 3, 15)
    after_a_quiet_hour = rolled.added(1, NINE + timedelta(hours=3))
    assert (after_a_quiet_hour.count, after_a_quiet_hour.previous) == (1, 0)


def test_the_last_hour_takes_the_part_of_the_hour_before_the_window_still_covers() -> None:
    reads = (
        KeyReads().added(600, NINE + timedelta(minutes=30)).added(100, NINE + timedelta(hours=1, minutes=15))
    )
    # At 10:15 the window 9:15-10:15 covers three quarters of 9:00-10:00.
    assert reads.in_the_last_hour(NINE + timedelta(hours=1, minutes=15)) == 100 + 600 * 0.75


def test_a_key_is_suspended_once_the_last_hour_holds_more_than_the_limit_and_stays_so() -> None:
    at = NINE + timedelta(minutes=10)
    reads = KeyReads().counted(1000, at, limit=1000)
    assert reads.suspended_at is None  # the limit itself is allowed
    suspended = reads.counted(1, at, limit=1000)
    assert suspended.suspended_at == at
    assert suspended.counted(5, at + timedelta(minutes=1), limit=1000).suspended_at == at


def test_straddling_two_clock_hours_does_not_double_the_allowance() -> None:
    late = KeyReads().counted(900, NINE + timedelta(minutes=59), limit=1000)
    assert late.suspended_at is None
    early = late.counted(200, NINE + timedelta(hours=1, minutes=1), limit=1000)
    assert early.suspended_at is not None  # 200 + 900 x 58/60 in the last hour


def test_reinstating_starts_a_new_count_under_a_new_epoch() -> None:
    suspended = KeyReads().counted(2000, NINE, limit=1000)
    lifted = suspended.reinstated()
    assert (lifted.suspended_at, lifted.count, lifted.previous, lifted.epoch) == (None, 0, 0, 1)

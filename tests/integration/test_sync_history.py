"""What the console charts, on Azurite: conversions from the conversion log (a range as long as the
window), batch runs newest first, and the intervals they fall in."""

from __future__ import annotations

from datetime import timedelta

from shared.services.conversion_batch import run_conversion_batch
from shared.services.customers import create_customer
from shared.services.sync_history import BUCKETS, recent_runs, sync_history
from tests.support.builders import add_channel, make_dependencies, person, unique_phone


def test_conversions_and_runs_land_in_the_last_interval(storage_connection_string: str) -> None:
    dependencies = make_dependencies(storage_connection_string)
    channel = add_channel(dependencies, async_customer_creation=True)
    for n in range(3):
        create_customer(
            dependencies,
            channel_id=channel.channel_id,
            body=person(email=f"history{n}.{unique_phone()[-7:]}@example.com", phone=unique_phone()),
        )
    first = run_conversion_batch(dependencies, trigger="first")
    second = run_conversion_batch(dependencies, trigger="second")
    now = dependencies.clock()

    converted = dependencies.channel_activity.conversions_since(
        channel.channel_id, now - timedelta(minutes=5)
    )
    assert len(converted) == 3 and all(moment <= now for moment in converted)
    assert (
        dependencies.channel_activity.conversions_since(channel.channel_id, now + timedelta(seconds=1)) == []
    )

    [newest, older] = recent_runs(dependencies, limit=2)
    assert (newest.run_id, older.run_id) == (second.run_id, first.run_id)
    history = sync_history(dependencies, hours=1)
    assert len(history.buckets) == BUCKETS and history.bucket_minutes == 2
    last = history.buckets[-1]
    assert last.conversions >= 3 and last.batch_runs >= 2
    assert last.backlog is not None  # what the last run of the interval found pending
    assert all(bucket.start < now for bucket in history.buckets)

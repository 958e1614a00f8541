"""Timer triggers: NCRONTAB with seconds, schedule from an app setting."""

from __future__ import annotations

from datetime import datetime

from tests.devhost.conftest import StartSample
from tests.devhost.helpers import wait_for


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

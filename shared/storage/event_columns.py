"""How an event is kept in a row, wherever it is kept (the outbox, the feed, a delivery): its id,
type, time and data, the data split across properties when long."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from shared.domain.events import CustomerEvent, EventType
from shared.storage.long_text import long_text, read_long_text


def event_columns(
    event_id: str, event_type: EventType, time: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "EventId": event_id,
        "Type": event_type.value,
        "Time": time,
        **long_text("Data", json.dumps(data, separators=(",", ":"))),
    }


def event_of(row: Mapping[str, Any], *, account_number: str, sequence: int) -> CustomerEvent:
    return CustomerEvent(
        id=row["EventId"],
        type=EventType(row["Type"]),
        account_number=account_number,
        sequence=sequence,
        time=row["Time"],
        data=json.loads(read_long_text(row, "Data")),
    )

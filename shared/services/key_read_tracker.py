"""What this instance has counted of each key's reads: the customers it served with the key in the
current hour, under the key's current epoch. Only the current hour is kept, so the memory is that of
one hour's customers per key."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class _Counted:
    epoch: int
    hour: str
    customers: set[str] = field(default_factory=set)


class KeyReadTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[tuple[str, str], _Counted] = {}

    def uncounted(
        self, key: tuple[str, str], customers: set[str], *, hour: str, epoch: int | None = None
    ) -> set[str]:
        """The customers not counted yet for this key this hour; `epoch` None: the last one seen."""
        with self._lock:
            counted = self._by_key.get(key)
            if counted is None or counted.hour != hour or (epoch is not None and counted.epoch != epoch):
                return set(customers)
            return customers - counted.customers

    def counted(self, key: tuple[str, str], customers: set[str], *, hour: str, epoch: int) -> None:
        with self._lock:
            counted = self._by_key.get(key)
            if counted is None or counted.hour != hour or counted.epoch != epoch:
                counted = self._by_key[key] = _Counted(epoch, hour)  # an hour or an epoch gone: forgotten
            counted.customers |= customers

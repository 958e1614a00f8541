"""Per-instance caches in front of the two reads every request makes: its channel and its key.

A change made on this instance takes effect here at once; another instance sees it within
`ttl_seconds` (CHANNEL_CACHE_SECONDS), which is how long a revoked key can still open a channel
there. Misses are not cached, so a key issued elsewhere works at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from shared.domain.channel import Channel
from shared.domain.key_reads import KeyReads, SuspendedKey
from shared.storage.ports import ChannelDirectory, ChannelKeyStore, StoredKey

Key = TypeVar("Key")
Value = TypeVar("Value")


class TimedCache(Generic[Key, Value]):
    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[Key, tuple[float, Value]] = {}
        self._lock = threading.Lock()

    def get(self, key: Key, load: Callable[[], Value | None]) -> Value | None:
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl:
            return entry[1]
        value = load()
        if value is not None and self._ttl > 0:
            with self._lock:
                self._entries[key] = (now, value)
        return value

    def put(self, key: Key, value: Value) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), value)

    def drop(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)


class CachedChannels:
    """A ChannelDirectory that remembers each channel for `ttl_seconds`."""

    def __init__(
        self, inner: ChannelDirectory, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._cache: TimedCache[str, Channel] = TimedCache(ttl_seconds, clock)

    def get(self, channel_id: str) -> Channel | None:
        return self._cache.get(channel_id, lambda: self._inner.get(channel_id))

    def save(self, channel: Channel) -> None:
        self._inner.save(channel)
        self._cache.put(channel.channel_id, channel)

    def channel_ids(self) -> list[str]:
        return self._inner.channel_ids()


class CachedChannelKeys:
    """A ChannelKeyStore that remembers each stored key (its salted hash) for `ttl_seconds`."""

    def __init__(
        self, inner: ChannelKeyStore, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._cache: TimedCache[tuple[str, str], StoredKey] = TimedCache(ttl_seconds, clock)

    def add(self, key: StoredKey) -> None:
        self._inner.add(key)

    def get(self, channel_id: str, key_id: str) -> StoredKey | None:
        return self._cache.get((channel_id, key_id), lambda: self._inner.get(channel_id, key_id))

    def remove(self, channel_id: str, key_id: str) -> bool:
        self._cache.drop((channel_id, key_id))
        return self._inner.remove(channel_id, key_id)

    def reads(self, channel_id: str, key_id: str) -> tuple[KeyReads, str] | None:
        return self._inner.reads(channel_id, key_id)

    def save_reads(
        self, channel_id: str, key_id: str, reads: KeyReads, *, version: str, lifted: bool = False
    ) -> None:
        """Forgets the key here: this instance's next request with it sees its suspension, whoever
        suspended it."""
        self._cache.drop((channel_id, key_id))
        self._inner.save_reads(channel_id, key_id, reads, version=version, lifted=lifted)
        self._cache.drop((channel_id, key_id))

    def suspended(self) -> list[SuspendedKey]:
        return self._inner.suspended()

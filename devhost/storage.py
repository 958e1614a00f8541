"""Queue clients shared by triggers and output bindings, created once per queue."""

from __future__ import annotations

import base64
import threading
from contextlib import suppress

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import ExponentialRetry, QueueClient


# Fail fast and let the caller's own back-off decide: the SDK's default retries wait for
# minutes, which would keep the host from stopping promptly when storage is down.
def _quick_retry() -> ExponentialRetry:
    return ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=2)


class QueueClients:
    """Thread-safe cache of QueueClient objects; makes sure each queue exists before first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._created: set[tuple[str, str]] = set()

    def get(self, connection_string: str, queue_name: str) -> QueueClient:
        key = (connection_string, queue_name)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = QueueClient.from_connection_string(
                    connection_string,
                    queue_name,
                    retry_policy=_quick_retry(),
                    connection_timeout=5,
                    read_timeout=30,
                )
                self._clients[key] = client
        if key not in self._created:
            create_queue_if_missing(client)
            self._created.add(key)
        return client

    def close(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
            self._created.clear()
        for client in clients:
            client.close()


def create_queue_if_missing(client: QueueClient) -> None:
    with suppress(ResourceExistsError):
        client.create_queue()


def encode_message(body: bytes | str, encoding: str) -> str:
    """Apply host.json's messageEncoding the way the queue extension does for outputs."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    return raw.decode("utf-8")


def decode_message(content: str, encoding: str) -> bytes:
    """Inverse of encode_message; raises ValueError for content that is not valid base64."""
    if encoding == "base64":
        return base64.b64decode(content.encode("ascii"), validate=True)
    return content.encode("utf-8")

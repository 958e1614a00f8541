"""The `customer-sync` queue the conversion function listens on, and its poison queue."""

from __future__ import annotations

from shared.domain.sync import POISON_QUEUE, SYNC_QUEUE, SyncMessage
from shared.storage.account import StorageAccount, translate_storage_errors


class CustomerSyncQueue:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def send(self, message: SyncMessage) -> None:
        """Base64 text, as the Functions host's queue trigger expects by default."""
        with translate_storage_errors():
            self._account.queue(SYNC_QUEUE).send_message(message.to_json())

    def poison_message_count(self) -> int:
        with translate_storage_errors():
            properties = self._account.queue(POISON_QUEUE).get_queue_properties()
        return int(properties.approximate_message_count or 0)

    def ping(self) -> None:
        with translate_storage_errors():
            self._account.queue(SYNC_QUEUE).get_queue_properties()

"""Channel API keys, stored only as salted hashes: a leaked table gives nobody a usable key."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.core.exceptions import ResourceNotFoundError

from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import StoredKey

KEYS_TABLE = "ChannelKeys"


class ChannelKeyTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def add(self, key: StoredKey) -> None:
        entity = {
            "PartitionKey": key.channel_id,
            "RowKey": key.key_id,
            "Salt": key.salt,
            "SecretHash": key.secret_hash,
            "CreatedAt": datetime.now(UTC),
        }
        with translate_storage_errors():
            self._account.table(KEYS_TABLE).create_entity(entity)

    def get(self, channel_id: str, key_id: str) -> StoredKey | None:
        with translate_storage_errors():
            try:
                entity = self._account.table(KEYS_TABLE).get_entity(channel_id, key_id)
            except ResourceNotFoundError:
                return None
        return StoredKey(channel_id, key_id, bytes(entity["Salt"]), bytes(entity["SecretHash"]))

    def remove(self, channel_id: str, key_id: str) -> bool:
        with translate_storage_errors():
            try:
                self._account.table(KEYS_TABLE).get_entity(channel_id, key_id, select=["RowKey"])
            except ResourceNotFoundError:
                return False
            self._account.table(KEYS_TABLE).delete_entity(channel_id, key_id)
        return True

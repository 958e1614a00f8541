"""Channel API keys, stored only as salted hashes: a leaked table gives nobody a usable key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.domain.key_reads import KeyReads, SuspendedKey
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import RecordChanged, StoredKey

KEYS_TABLE = "ChannelKeys"
# Pointers to the suspended keys, so the console lists them without reading every key.
SUSPENDED_PARTITION = "~suspended"


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
        return _stored(entity)

    def remove(self, channel_id: str, key_id: str) -> bool:
        with translate_storage_errors():
            try:
                self._account.table(KEYS_TABLE).get_entity(channel_id, key_id, select=["RowKey"])
            except ResourceNotFoundError:
                return False
            self._account.table(KEYS_TABLE).delete_entity(channel_id, key_id)
        return True

    def reads(self, channel_id: str, key_id: str) -> tuple[KeyReads, str] | None:
        with translate_storage_errors():
            try:
                entity = self._account.table(KEYS_TABLE).get_entity(channel_id, key_id)
            except ResourceNotFoundError:
                return None
        return _reads(entity), str(entity.metadata["etag"])

    def save_reads(
        self, channel_id: str, key_id: str, reads: KeyReads, *, version: str, lifted: bool = False
    ) -> None:
        """The key's count and suspension, if the key is still as read (RecordChanged otherwise, or
        when it was revoked meanwhile); then the console's pointer follows (`lifted`: it goes)."""
        table = self._account.table(KEYS_TABLE)
        columns = {
            "PartitionKey": channel_id,
            "RowKey": key_id,
            "ReadsHour": reads.hour,
            "ReadsCount": reads.count,
            "ReadsPrevious": reads.previous,
            "ReadsEpoch": reads.epoch,
            # Empty, not None: a merge leaves a property out when its value is None, so it would stay.
            "SuspendedAt": reads.suspended_at or "",
        }
        pointer = {"PartitionKey": SUSPENDED_PARTITION, "RowKey": f"{channel_id}|{key_id}"}
        with translate_storage_errors():
            try:
                table.update_entity(
                    columns,
                    mode=UpdateMode.MERGE,
                    etag=version,
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                raise RecordChanged(f"key {key_id}") from None
            if reads.suspended_at is not None:
                table.upsert_entity({**pointer, "SuspendedAt": reads.suspended_at}, mode=UpdateMode.REPLACE)
            elif lifted:
                table.delete_entity(pointer["PartitionKey"], pointer["RowKey"])

    def suspended(self) -> list[SuspendedKey]:
        with translate_storage_errors():
            rows = self._account.table(KEYS_TABLE).query_entities(
                "PartitionKey eq @pk", parameters={"pk": SUSPENDED_PARTITION}
            )
            found = []
            for row in rows:
                channel_id, key_id = str(row["RowKey"]).split("|", 1)
                suspended_at = _utc(row["SuspendedAt"])
                found.append(SuspendedKey(channel_id=channel_id, key_id=key_id, suspended_at=suspended_at))
            return found


def _stored(entity: Any) -> StoredKey:
    suspended_at = entity.get("SuspendedAt")
    return StoredKey(
        entity["PartitionKey"],
        entity["RowKey"],
        bytes(entity["Salt"]),
        bytes(entity["SecretHash"]),
        suspended_at=_utc(suspended_at) if suspended_at else None,
    )


def _reads(entity: Any) -> KeyReads:
    suspended_at = entity.get("SuspendedAt")
    return KeyReads(
        hour=str(entity.get("ReadsHour") or ""),
        count=int(entity.get("ReadsCount") or 0),
        previous=int(entity.get("ReadsPrevious") or 0),
        epoch=int(entity.get("ReadsEpoch") or 0),
        suspended_at=_utc(suspended_at) if suspended_at else None,
    )


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

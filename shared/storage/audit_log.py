"""The audit log of admin changes: one partition, newest first (the RowKey counts down in time)."""

from __future__ import annotations

import uuid

from shared.domain.audit import AuditEntry
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.tables import KEY_RANGE_QUERY, key_after, newest_first

AUDIT_TABLE = "AdminAudit"
AUDIT_PARTITION = "audit"
ENTRY_PREFIX = "entry|"


class AuditLogTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def record(self, entry: AuditEntry) -> None:
        row_key = f"{ENTRY_PREFIX}{newest_first(entry.at)}|{uuid.uuid4().hex}"
        with translate_storage_errors():
            self._account.table(AUDIT_TABLE).create_entity(
                {
                    "PartitionKey": AUDIT_PARTITION,
                    "RowKey": row_key,
                    "Entry": entry.model_dump_json(by_alias=True),
                }
            )

    def recent(self, *, after: str | None, limit: int) -> list[tuple[str, AuditEntry]]:
        """Newest first, from just after the entry `after`; each with its position for paging."""
        start = f"{ENTRY_PREFIX}{after}\x00" if after else ENTRY_PREFIX
        with translate_storage_errors():
            rows = self._account.table(AUDIT_TABLE).query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": AUDIT_PARTITION, "start": start, "end": key_after(ENTRY_PREFIX)},
                results_per_page=min(limit, 1000),
            )
            found: list[tuple[str, AuditEntry]] = []
            for row in rows:
                found.append(
                    (str(row["RowKey"])[len(ENTRY_PREFIX) :], AuditEntry.model_validate_json(row["Entry"]))
                )
                if len(found) >= limit:
                    break
            return found

"""Where the conversion batch leaves the summary of its last run for ops."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.domain.sync import RunSummary
from shared.storage.account import StorageAccount, translate_storage_errors

RUNS_TABLE = "SyncRuns"
RUNS_PARTITION = "conversion"
LAST_RUN_ROW = "last"


class SyncRunLog:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def record(self, summary: RunSummary) -> None:
        entity = {
            "PartitionKey": RUNS_PARTITION,
            "RowKey": LAST_RUN_ROW,
            "Summary": summary.model_dump_json(by_alias=True),
        }
        with translate_storage_errors():
            self._account.table(RUNS_TABLE).upsert_entity(entity, mode=UpdateMode.REPLACE)

    def last(self) -> RunSummary | None:
        with translate_storage_errors():
            try:
                entity = self._account.table(RUNS_TABLE).get_entity(RUNS_PARTITION, LAST_RUN_ROW)
            except ResourceNotFoundError:
                return None
        return RunSummary.model_validate_json(entity["Summary"])

"""Where the conversion batch leaves the summaries of its runs for ops: the last one, and every run
newest first (RowKey counts down in time), so the console reads the latest ones in one range."""

from __future__ import annotations

from datetime import datetime

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.domain.sync import RunSummary
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.tables import newest_first

RUNS_TABLE = "SyncRuns"
RUNS_PARTITION = "conversion"
LAST_RUN_ROW = "last"
RUN_PREFIX = "run|"


def run_row(summary: RunSummary) -> str:
    return f"{RUN_PREFIX}{newest_first(summary.started_at)}|{summary.run_id}"


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
            table = self._account.table(RUNS_TABLE)
            table.upsert_entity({**entity, "RowKey": run_row(summary)}, mode=UpdateMode.REPLACE)
            table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def recent(self, *, limit: int, since: datetime | None = None) -> list[RunSummary]:
        """The latest runs, newest first; only those started at `since` or later when given."""
        end = RUN_PREFIX[:-1] + "}"
        if since is not None:
            end = f"{RUN_PREFIX}{newest_first(since)}}}"
        with translate_storage_errors():
            rows = self._account.table(RUNS_TABLE).query_entities(
                "PartitionKey eq @pk and RowKey ge @start and RowKey lt @end",
                parameters={"pk": RUNS_PARTITION, "start": RUN_PREFIX, "end": end},
                results_per_page=min(limit, 1000),
            )
            found = []
            for row in rows:
                found.append(RunSummary.model_validate_json(row["Summary"]))
                if len(found) >= limit:
                    break
            return found

    def last(self) -> RunSummary | None:
        with translate_storage_errors():
            try:
                entity = self._account.table(RUNS_TABLE).get_entity(RUNS_PARTITION, LAST_RUN_ROW)
            except ResourceNotFoundError:
                return None
        return RunSummary.model_validate_json(entity["Summary"])

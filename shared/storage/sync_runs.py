"""Where the conversion batch leaves the summaries of its runs for ops: every run newest first
(RowKey counts down in time), so the last run and the console's latest ones are one short range."""

from __future__ import annotations

from datetime import datetime

from azure.data.tables import UpdateMode

from shared.domain.sync import RunSummary
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.tables import KEY_RANGE_QUERY, newest_first

RUNS_TABLE = "SyncRuns"
RUNS_PARTITION = "conversion"
RUN_PREFIX = "run|"


def run_row(summary: RunSummary) -> str:
    return f"{RUN_PREFIX}{newest_first(summary.started_at)}|{summary.run_id}"


class SyncRunLog:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def record(self, summary: RunSummary) -> None:
        entity = {
            "PartitionKey": RUNS_PARTITION,
            "RowKey": run_row(summary),
            "Summary": summary.model_dump_json(by_alias=True),
        }
        with translate_storage_errors():
            self._account.table(RUNS_TABLE).upsert_entity(entity, mode=UpdateMode.REPLACE)

    def recent(self, *, limit: int, since: datetime | None = None) -> list[RunSummary]:
        """The latest runs, newest first; only those started at `since` or later when given."""
        end = RUN_PREFIX[:-1] + "}"
        if since is not None:
            end = f"{RUN_PREFIX}{newest_first(since)}}}"
        with translate_storage_errors():
            rows = self._account.table(RUNS_TABLE).query_entities(
                KEY_RANGE_QUERY,
                parameters={"pk": RUNS_PARTITION, "start": RUN_PREFIX, "end": end},
                results_per_page=min(limit, 1000),
            )
            found = []
            for row in rows:
                found.append(RunSummary.model_validate_json(row["Summary"]))
                if len(found) >= limit:
                    break
            return found

"""The customer attribute definitions, one table row each, cached per instance like channels.

HQ-wide, but kept beside the channel profiles, not in HQ: every till's create reads them, and a
create must work while HQ is down, as D365's channel database keeps its copy of the attribute group.

Every change writes its definition and touches one `~registry` row of the same partition in one
entity-group transaction, the registry row checked against the ETag read with the definitions. Two
admins defining at once therefore cannot both pass the 50-definition cap or both take a name that
differs only in case: the second one's transaction fails and it decides again on what is there now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import TableTransactionError, UpdateMode

from shared.domain.attributes import AttributeDefinition
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.cached import TimedCache
from shared.storage.ports import AttributeDefinitions, RecordChanged

ATTRIBUTES_TABLE = "CustomerAttributes"
DEFINITIONS_PARTITION = "definition"
REGISTRY_ROW = "~registry"  # no attribute name starts with "~"


class AttributeDefinitionTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def all(self) -> dict[str, AttributeDefinition]:
        return self.versioned()[0]

    def versioned(self) -> tuple[dict[str, AttributeDefinition], str | None]:
        """Every definition, retired ones included (a small partition: at most 50 live ones), and the
        version a change must name; None before the first change."""
        with translate_storage_errors():
            rows = list(
                self._account.table(ATTRIBUTES_TABLE).query_entities(
                    "PartitionKey eq @pk", parameters={"pk": DEFINITIONS_PARTITION}
                )
            )
        version = next((str(row.metadata["etag"]) for row in rows if row["RowKey"] == REGISTRY_ROW), None)
        found = [
            AttributeDefinition.model_validate_json(row["Data"])
            for row in rows
            if row["RowKey"] != REGISTRY_ROW
        ]
        return {definition.name: definition for definition in found}, version

    def save(self, definition: AttributeDefinition, *, version: str | None) -> None:
        """Writes the definition unless another change came after `version` (RecordChanged)."""
        registry = {"PartitionKey": DEFINITIONS_PARTITION, "RowKey": REGISTRY_ROW}
        operations: list[Any] = [
            (
                "upsert",
                {
                    "PartitionKey": DEFINITIONS_PARTITION,
                    "RowKey": definition.name,
                    "Data": definition.model_dump_json(by_alias=True),
                },
                {"mode": UpdateMode.REPLACE},
            ),
            ("create", registry)
            if version is None
            else (
                "update",
                registry,
                {
                    "mode": UpdateMode.REPLACE,
                    "etag": version,
                    "match_condition": MatchConditions.IfNotModified,
                },
            ),
        ]
        with translate_storage_errors():
            try:
                self._account.table(ATTRIBUTES_TABLE).submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code in (404, 409, 412):
                    raise RecordChanged(str(error.message)) from None
                raise


class CachedAttributeDefinitions:
    """Every create reads the definitions: an instance keeps them for `ttl_seconds`, as it keeps
    channel profiles; a change made on this instance counts here at once. A change itself always
    reads what is stored."""

    def __init__(
        self, inner: AttributeDefinitions, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._cache: TimedCache[str, dict[str, AttributeDefinition]] = TimedCache(ttl_seconds, clock)

    def all(self) -> dict[str, AttributeDefinition]:
        return self._cache.get(DEFINITIONS_PARTITION, self._inner.all) or {}

    def versioned(self) -> tuple[dict[str, AttributeDefinition], str | None]:
        return self._inner.versioned()

    def save(self, definition: AttributeDefinition, *, version: str | None) -> None:
        try:
            self._inner.save(definition, version=version)
        finally:
            self._cache.drop(DEFINITIONS_PARTITION)

"""The customer attribute definitions, one table row each, cached per instance like channels.

HQ-wide, but kept beside the channel profiles, not in HQ: every till's create reads them, and a
create must work while HQ is down, as D365's channel database keeps its copy of the attribute group.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from azure.data.tables import UpdateMode

from shared.domain.attributes import AttributeDefinition
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.cached import TimedCache
from shared.storage.ports import AttributeDefinitions

ATTRIBUTES_TABLE = "CustomerAttributes"
DEFINITIONS_PARTITION = "definition"


class AttributeDefinitionTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def all(self) -> dict[str, AttributeDefinition]:
        """Every definition, retired ones included: at most 50 live ones, so one small partition."""
        with translate_storage_errors():
            rows = self._account.table(ATTRIBUTES_TABLE).query_entities(
                "PartitionKey eq @pk", parameters={"pk": DEFINITIONS_PARTITION}
            )
            found = [AttributeDefinition.model_validate_json(row["Data"]) for row in rows]
        return {definition.name: definition for definition in found}

    def save(self, definition: AttributeDefinition) -> None:
        with translate_storage_errors():
            self._account.table(ATTRIBUTES_TABLE).upsert_entity(
                {
                    "PartitionKey": DEFINITIONS_PARTITION,
                    "RowKey": definition.name,
                    "Data": definition.model_dump_json(by_alias=True),
                },
                mode=UpdateMode.REPLACE,
            )


class CachedAttributeDefinitions:
    """Every create reads the definitions: an instance keeps them for `ttl_seconds`, as it keeps
    channel profiles; a change made on this instance counts here at once."""

    def __init__(
        self, inner: AttributeDefinitions, *, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._cache: TimedCache[str, dict[str, AttributeDefinition]] = TimedCache(ttl_seconds, clock)

    def all(self) -> dict[str, AttributeDefinition]:
        return self._cache.get(DEFINITIONS_PARTITION, self._inner.all) or {}

    def save(self, definition: AttributeDefinition) -> None:
        self._inner.save(definition)
        self._cache.drop(DEFINITIONS_PARTITION)

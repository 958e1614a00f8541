"""HQ's match index and its duplicate candidates.

Match index (`HqMatchKeys`): PartitionKey is the HMAC of one match key, RowKey the account number of
an HQ customer that has it. Account numbers sort in the order they were given out, so a partition
read lists the oldest match first; finding matches costs one partition read per key, whatever the
number of customers. The table holds no readable e-mail, phone or name.

Claims (`HqMatchClaims`, used by `DUPLICATE_POLICY=link`): one create-only row per match key naming
the async customer that claimed it first. Its GUID binding says which HQ customer the key belongs
to, so a claim stays right whatever that customer was linked or merged into later.

Candidates (`HqDuplicates`): one row per (survivor, duplicate) pair, its RowKey the pair's id, so a
pair detected twice is recorded once and a dismissed pair stays dismissed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.duplicates import DuplicateCandidate, DuplicateStatus, MatchedOn, MatchKey
from shared.domain.errors import HeadquartersUnavailable
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import MatchHit, RecordChanged

MATCH_KEYS_TABLE = "HqMatchKeys"
MATCH_CLAIMS_TABLE = "HqMatchClaims"
CLAIM_ROW = "claim"
DUPLICATES_TABLE = "HqDuplicates"
CANDIDATES_PARTITION = "candidate"


class HqMatchIndex:
    def __init__(self, account: StorageAccount, *, secret: bytes) -> None:
        self._account = account
        self._secret = secret
        # A customer has at most two keys, each its own partition: both go at once.
        self._partitions = ThreadPoolExecutor(max_workers=4, thread_name_prefix="match-index")

    @property
    def _table(self) -> TableClient:
        return self._account.table(MATCH_KEYS_TABLE)

    def add(self, *, account_number: str, customer_id: str, keys: Iterable[MatchKey]) -> None:
        """Indexes an HQ customer under its keys; repeating it changes nothing."""

        def upsert(key: MatchKey) -> None:
            with translate_storage_errors(HeadquartersUnavailable):
                self._table.upsert_entity(
                    {
                        "PartitionKey": key.digest(self._secret),
                        "RowKey": account_number,
                        "CustomerId": customer_id,
                        "MatchedOn": key.matched_on.value,
                    },
                    mode=UpdateMode.REPLACE,
                )

        list(self._partitions.map(upsert, keys))

    def remove(self, *, account_number: str, keys: Iterable[MatchKey]) -> None:
        """A customer that no longer has a key (an edit, a merge); entries already gone are fine."""
        with translate_storage_errors(HeadquartersUnavailable):
            for key in keys:
                self._table.delete_entity(key.digest(self._secret), account_number)

    def matches(self, keys: Iterable[MatchKey]) -> list[MatchHit]:
        """Every HQ customer sharing one of `keys`, oldest account first, each key it shares."""

        def read(key: MatchKey) -> list[tuple[str, str, MatchedOn]]:
            with translate_storage_errors(HeadquartersUnavailable):
                rows = self._table.query_entities(
                    "PartitionKey eq @pk",
                    parameters={"pk": key.digest(self._secret)},
                    select=["RowKey", "CustomerId"],
                )
                return [(str(row["RowKey"]), str(row["CustomerId"]), key.matched_on) for row in rows]

        found: dict[str, MatchHit] = {}
        for rows in self._partitions.map(read, keys):
            for account, customer_id, matched_on in rows:
                earlier = found.get(account)
                kinds = (earlier.matched_on if earlier else ()) + (matched_on,)
                found[account] = MatchHit(account, customer_id, kinds)
        return [found[account] for account in sorted(found)]

    def claim(self, key: MatchKey, *, customer_id: str) -> str:
        """Claims the key for the customer unless another claimed it first; returns who holds it."""
        table = self._account.table(MATCH_CLAIMS_TABLE)
        digest = key.digest(self._secret)
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                table.create_entity({"PartitionKey": digest, "RowKey": CLAIM_ROW, "CustomerId": customer_id})
                return customer_id
            except ResourceExistsError:
                pass
            try:
                return str(table.get_entity(digest, CLAIM_ROW)["CustomerId"])
            except ResourceNotFoundError:  # pragma: no cover - claims are never deleted
                return customer_id


class HqDuplicateCandidates:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    @property
    def _table(self) -> TableClient:
        return self._account.table(DUPLICATES_TABLE)

    def record(self, candidate: DuplicateCandidate) -> None:
        """Create-only: a pair already recorded, open, merged or dismissed, is left as it is."""
        with translate_storage_errors(HeadquartersUnavailable), contextlib.suppress(ResourceExistsError):
            self._table.create_entity(_entity(candidate))

    def get(self, duplicate_id: str) -> tuple[DuplicateCandidate, str] | None:
        """The candidate and its version, for a change that must not overwrite another."""
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                entity = self._table.get_entity(CANDIDATES_PARTITION, duplicate_id)
            except ResourceNotFoundError:
                return None
        return _candidate(entity), str(entity.metadata["etag"])

    def set_status(self, candidate: DuplicateCandidate, *, version: str) -> None:
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                self._table.update_entity(
                    _entity(candidate),
                    mode=UpdateMode.REPLACE,
                    etag=version,
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError) as error:
                raise RecordChanged(str(error)) from None

    def listed(self, status: DuplicateStatus | None = None) -> list[DuplicateCandidate]:
        """Candidates in the order they were detected; duplicates are few, so one partition holds them."""
        query, parameters = "PartitionKey eq @pk", {"pk": CANDIDATES_PARTITION}
        if status is not None:
            query, parameters = query + " and Status eq @status", {**parameters, "status": status.value}
        with translate_storage_errors(HeadquartersUnavailable):
            rows = list(self._table.query_entities(query, parameters=parameters))
        return sorted((_candidate(row) for row in rows), key=lambda c: (c.detected_at, c.duplicate_id))

    def open_count(self) -> int:
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._table.query_entities(
                "PartitionKey eq @pk and Status eq @status",
                parameters={"pk": CANDIDATES_PARTITION, "status": DuplicateStatus.OPEN.value},
                select=["RowKey"],
            )
            return sum(1 for _ in rows)


def _entity(candidate: DuplicateCandidate) -> dict[str, Any]:
    return {
        "PartitionKey": CANDIDATES_PARTITION,
        "RowKey": candidate.duplicate_id,
        "CustomerId": candidate.customer_id,
        "ChannelId": candidate.channel_id,
        "AccountNumber": candidate.account_number,
        "CandidateAccountNumber": candidate.candidate_account_number,
        "MatchedOn": ",".join(matched.value for matched in candidate.matched_on),
        "DetectedAt": candidate.detected_at,
        "Status": candidate.status.value,
    }


def _candidate(entity: dict[str, Any]) -> DuplicateCandidate:
    detected: datetime = entity["DetectedAt"]
    return DuplicateCandidate(
        duplicate_id=str(entity["RowKey"]),
        customer_id=str(entity["CustomerId"]),
        channel_id=str(entity["ChannelId"]),
        account_number=str(entity["AccountNumber"]),
        candidate_account_number=str(entity["CandidateAccountNumber"]),
        matched_on=[MatchedOn(value) for value in str(entity["MatchedOn"]).split(",") if value],
        detected_at=detected,
        status=DuplicateStatus(entity["Status"]),
    )

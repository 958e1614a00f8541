"""HQ's match index and its duplicate candidates.

Match index (`HqMatchKeys`): PartitionKey is the HMAC of one match key, RowKey the account number of
an HQ customer that has it. Account numbers sort in the order they were given out, so a partition
read lists the oldest match first; finding matches costs one partition read per key, whatever the
number of customers. The table holds no readable e-mail, phone or name.

Claims (`HqMatchClaims`, used by `DUPLICATE_POLICY=link`): one create-only row per verified e-mail
naming the async customer that claimed it first. Its GUID binding says which HQ customer the key
belongs to, so a claim stays right whatever that customer was linked or merged into later. A claim
goes when its customer's e-mail does (an edit, a merge): it is deleted under its ETag, so a release
never removes a claim another customer made since.

Candidates (`HqDuplicates`): one row per (survivor, duplicate) pair, its RowKey the pair's id, so a
pair detected twice is recorded once and a dismissed pair stays dismissed. Its status changes under
its ETag, so a merge and a dismiss racing each other cannot both win.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.duplicates import DuplicateCandidate, DuplicateStatus, MatchedOn, MatchKey
from shared.domain.errors import HeadquartersUnavailable
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import MatchHit, RecordChanged
from shared.storage.tables import KEY_RANGE_QUERY, key_after

MATCH_KEYS_TABLE = "HqMatchKeys"
MATCH_CLAIMS_TABLE = "HqMatchClaims"
CLAIM_ROW = "claim"
DUPLICATES_TABLE = "HqDuplicates"
CANDIDATES_PARTITION = "candidate"
MERGING_PREFIX = "~merging|"  # after every id: candidate ids are lower-case hex and hyphens


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
            while True:
                try:
                    table.create_entity(
                        {"PartitionKey": digest, "RowKey": CLAIM_ROW, "CustomerId": customer_id}
                    )
                    return customer_id
                except ResourceExistsError:
                    pass
                try:
                    return str(table.get_entity(digest, CLAIM_ROW)["CustomerId"])
                except ResourceNotFoundError:  # released in between: claim it again
                    continue

    def holder(self, key: MatchKey) -> str | None:
        """The GUID that holds the claim on `key`, if any."""
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                row = self._account.table(MATCH_CLAIMS_TABLE).get_entity(key.digest(self._secret), CLAIM_ROW)
            except ResourceNotFoundError:
                return None
        return str(row["CustomerId"])

    def release(self, key: MatchKey, *, held_by: str) -> bool:
        """Drops the claim if `held_by` still holds it (never one another customer took since)."""
        table = self._account.table(MATCH_CLAIMS_TABLE)
        digest = key.digest(self._secret)
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                row = table.get_entity(digest, CLAIM_ROW)
            except ResourceNotFoundError:
                return False
            if row["CustomerId"] != held_by:
                return False
            try:
                table.delete_entity(
                    digest,
                    CLAIM_ROW,
                    etag=row.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                return False
            return True


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

    def set_status(self, candidate: DuplicateCandidate, *, version: str) -> str:
        """Writes the candidate's new status unless it changed since `version`; answers the new one.

        A merge that starts leaves a `~merging|` marker in the same transaction, so the batch finds
        the merges to finish by one short range read, whatever the number of candidates."""
        marker = {"PartitionKey": CANDIDATES_PARTITION, "RowKey": MERGING_PREFIX + candidate.duplicate_id}
        update = (
            "update",
            _entity(candidate),
            {"mode": UpdateMode.REPLACE, "etag": version, "match_condition": MatchConditions.IfNotModified},
        )
        operations: list[Any] = [update]
        if candidate.status is DuplicateStatus.MERGING:
            operations.append(("upsert", marker))
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                written = self._table.submit_transaction(operations)
            except TableTransactionError as error:
                if error.status_code in (404, 409, 412):
                    raise RecordChanged(str(error.message)) from None
                raise
            if candidate.status is DuplicateStatus.MERGED:
                self._drop_marker(candidate.duplicate_id)
        return str(written[0]["etag"])

    def started_merges(self) -> list[str]:
        """Ids of candidates whose merge started and may not have finished."""
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._table.query_entities(
                KEY_RANGE_QUERY,
                parameters={
                    "pk": CANDIDATES_PARTITION,
                    "start": MERGING_PREFIX,
                    "end": key_after(MERGING_PREFIX),
                },
                select=["RowKey"],
            )
            return [str(row["RowKey"])[len(MERGING_PREFIX) :] for row in rows]

    def _drop_marker(self, duplicate_id: str) -> None:
        """Gone with the merge it marked; the batch drops one a crash left behind."""
        with contextlib.suppress(ResourceNotFoundError):
            self._table.delete_entity(CANDIDATES_PARTITION, MERGING_PREFIX + duplicate_id)

    def listed(
        self, status: DuplicateStatus | None = None, *, after: str | None = None, limit: int | None = None
    ) -> list[DuplicateCandidate]:
        """Candidates by id, from the first after `after`: one partition read of at most `limit` rows."""
        query = "PartitionKey eq @pk and RowKey lt @markers"
        parameters = {"pk": CANDIDATES_PARTITION, "markers": MERGING_PREFIX}
        if after is not None:
            query, parameters = query + " and RowKey gt @after", {**parameters, "after": after}
        if status is not None:
            query, parameters = query + " and Status eq @status", {**parameters, "status": status.value}
        with translate_storage_errors(HeadquartersUnavailable):
            rows = self._table.query_entities(query, parameters=parameters, results_per_page=limit)
            return [_candidate(row) for row in itertools.islice(rows, limit)]

    def involving(self, account_numbers: list[str]) -> list[DuplicateCandidate]:
        """Every candidate either side of which is one of these accounts (a data subject request's read)."""
        found: dict[str, DuplicateCandidate] = {}
        # A filter holds at most 15 comparisons: six accounts (two sides each) a read.
        for start in range(0, len(account_numbers), 6):
            names = {
                f"a{number}": account for number, account in enumerate(account_numbers[start : start + 6])
            }
            sides = " or ".join(
                f"AccountNumber eq @{name} or CandidateAccountNumber eq @{name}" for name in names
            )
            query = f"PartitionKey eq @pk and RowKey lt @markers and ( {sides} )"  # parameters end at spaces
            parameters = {"pk": CANDIDATES_PARTITION, "markers": MERGING_PREFIX, **names}
            with translate_storage_errors(HeadquartersUnavailable):
                for row in self._table.query_entities(query, parameters=parameters):
                    candidate = _candidate(row)
                    found[candidate.duplicate_id] = candidate
        return list(found.values())

    def remove(self, duplicate_id: str) -> None:
        with translate_storage_errors(HeadquartersUnavailable):
            self._table.delete_entity(CANDIDATES_PARTITION, duplicate_id)
            self._table.delete_entity(CANDIDATES_PARTITION, MERGING_PREFIX + duplicate_id)

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

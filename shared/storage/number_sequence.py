"""The HQ number sequence for customer accounts, with block pre-allocation.

Like a D365 number sequence with pre-allocation, each allocator reserves a block of numbers with one
optimistic-concurrency (ETag) update of the sequence row and hands them out from memory, so concurrent
converters do not all fight over one entity. Gap policy: numbers are unique and never reused once
bound to a customer; a number that lost a race for a customer goes back to the local block; numbers
left in a block when the process stops are skipped (a gap), never handed out twice.
"""

from __future__ import annotations

import threading
from collections import deque

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.domain.errors import HeadquartersUnavailable
from shared.optimistic import SHARED_COUNTER_ATTEMPTS, retry_on_conflict
from shared.storage.account import StorageAccount, translate_storage_errors

SEQUENCE_TABLE = "HqNumberSequences"
CUSTOMER_ACCOUNT_SEQUENCE = "CustomerAccount"
LOYALTY_CARD_SEQUENCE = "LoyaltyCard"
SEQUENCE_ROW = "sequence"


class AccountNumberSequence:
    def __init__(
        self,
        account: StorageAccount,
        *,
        block_size: int,
        sequence_id: str = CUSTOMER_ACCOUNT_SEQUENCE,
    ) -> None:
        self._account = account
        self._block_size = block_size
        self._sequence_id = sequence_id
        self._free: deque[int] = deque()
        self._lock = threading.Lock()

    def _table(self) -> TableClient:
        return self._account.table(SEQUENCE_TABLE)

    def next_number(self) -> int:
        with self._lock:
            if not self._free:
                start = self._reserve_block()
                self._free.extend(range(start, start + self._block_size))
            return self._free.popleft()

    def give_back(self, number: int) -> None:
        """Returns a number that was allocated here but bound to no customer."""
        with self._lock:
            self._free.appendleft(number)

    def _reserve_block(self) -> int:
        """Moves the sequence forward by one block; returns the block's first number."""
        return retry_on_conflict(
            self._reserve_block_once,
            conflicts=(ResourceExistsError, ResourceModifiedError),
            exhausted=HeadquartersUnavailable("The account number sequence is too contended; retry"),
            attempts=SHARED_COUNTER_ATTEMPTS,
        )

    def _reserve_block_once(self) -> int:
        with translate_storage_errors(HeadquartersUnavailable):
            try:
                entity = self._table().get_entity(self._sequence_id, SEQUENCE_ROW)
            except ResourceNotFoundError:
                self._table().create_entity(
                    {
                        "PartitionKey": self._sequence_id,
                        "RowKey": SEQUENCE_ROW,
                        "NextNumber": 1 + self._block_size,
                    }
                )
                return 1
            start = int(entity["NextNumber"])
            entity["NextNumber"] = start + self._block_size
            self._table().update_entity(
                entity,
                mode=UpdateMode.REPLACE,
                etag=entity.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
            return start

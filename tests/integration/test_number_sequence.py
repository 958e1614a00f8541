"""The HQ customer-account number sequence on real Table storage."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.storage.account import StorageAccount
from shared.storage.number_sequence import AccountNumberSequence


def allocate_concurrently(
    connection_string: str, *, sequence_id: str, allocators: int, each: int, block_size: int
) -> list[int]:
    # One sequence object per allocator stands for one function instance each.
    sequences = [
        AccountNumberSequence(
            StorageAccount(connection_string), block_size=block_size, sequence_id=sequence_id
        )
        for _ in range(allocators)
    ]

    def run(sequence: AccountNumberSequence) -> list[int]:
        return [sequence.next_number() for _ in range(each)]

    with ThreadPoolExecutor(max_workers=allocators) as pool:
        return [number for numbers in pool.map(run, sequences) for number in numbers]


@pytest.mark.parametrize("block_size", [1, 10])
def test_eight_threads_times_fifty_allocations_give_four_hundred_distinct_numbers(
    storage_connection_string: str, block_size: int
) -> None:
    numbers = allocate_concurrently(
        storage_connection_string,
        sequence_id=f"test-{uuid.uuid4().hex}",
        allocators=8,
        each=50,
        block_size=block_size,
    )
    assert len(numbers) == 400
    assert len(set(numbers)) == 400


def test_sixteen_allocators_never_share_a_number(storage_connection_string: str) -> None:
    numbers = allocate_concurrently(
        storage_connection_string,
        sequence_id=f"test-{uuid.uuid4().hex}",
        allocators=16,
        each=20,
        block_size=5,
    )
    assert len(set(numbers)) == len(numbers) == 320


def test_blocks_are_reserved_from_the_shared_row(storage_connection_string: str) -> None:
    sequence_id = f"test-{uuid.uuid4().hex}"
    first = AccountNumberSequence(
        StorageAccount(storage_connection_string), block_size=10, sequence_id=sequence_id
    )
    second = AccountNumberSequence(
        StorageAccount(storage_connection_string), block_size=10, sequence_id=sequence_id
    )
    assert [first.next_number() for _ in range(3)] == [1, 2, 3]
    assert second.next_number() == 11
    assert first.next_number() == 4


def test_a_number_given_back_is_handed_out_next(storage_connection_string: str) -> None:
    sequence = AccountNumberSequence(
        StorageAccount(storage_connection_string), block_size=1, sequence_id=f"test-{uuid.uuid4().hex}"
    )
    number = sequence.next_number()
    sequence.give_back(number)
    assert sequence.next_number() == number
    assert sequence.next_number() == number + 1

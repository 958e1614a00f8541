"""What block pre-allocation buys: 8 converters drawing account numbers from one HQ sequence at once."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench.result import BenchmarkResult, Floor
from shared.storage.account import StorageAccount
from shared.storage.number_sequence import AccountNumberSequence

ALLOCATORS = 8
NUMBERS_EACH = 50


def numbers_per_second(connection_string: str, *, block_size: int) -> float:
    """Each thread has its own allocator, as separate function instances would, on a fresh sequence."""
    account = StorageAccount(connection_string)
    sequence_id = f"bench-{uuid.uuid4().hex[:12]}"
    allocators = [
        AccountNumberSequence(account, block_size=block_size, sequence_id=sequence_id)
        for _ in range(ALLOCATORS)
    ]
    account.table("HqNumberSequences")  # the table exists before the clock starts

    def draw(allocator: AccountNumberSequence) -> list[int]:
        return [allocator.next_number() for _ in range(NUMBERS_EACH)]

    with ThreadPoolExecutor(max_workers=ALLOCATORS) as pool:
        started = time.perf_counter()
        drawn = [number for numbers in pool.map(draw, allocators) for number in numbers]
        elapsed = time.perf_counter() - started
    if len(set(drawn)) != len(drawn):
        raise RuntimeError(
            f"block size {block_size}: {len(drawn) - len(set(drawn))} numbers were handed out twice"
        )
    return len(drawn) / elapsed


def measure_account_number_allocation(connection_string: str) -> BenchmarkResult:
    single = numbers_per_second(connection_string, block_size=1)
    blocks = numbers_per_second(connection_string, block_size=10)
    return BenchmarkResult(
        name="account number allocation",
        measured=(
            f"{ALLOCATORS} threads, each its own `AccountNumberSequence`, drawing {NUMBERS_EACH} numbers "
            "each from one new sequence with block_size=10"
        ),
        floor=Floor("same with block_size=1 (one ETag update per number)", single, "numbers/s"),
        ratio=blocks / single,
        ratio_meaning="numbers/s with blocks of 10 ÷ with blocks of 1 (speed-up)",
        throughput=blocks,
        throughput_unit="numbers/s",
        details={"block_size_1_numbers_per_s": single, "block_size_10_numbers_per_s": blocks},
    )

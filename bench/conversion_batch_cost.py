"""The conversion batch must cost O(pending): 50 pending customers take as long beside many synced
customers as beside none."""

from __future__ import annotations

import contextlib
import os
import statistics
import time

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient

from bench.measure import time_each
from bench.result import BenchmarkResult, Floor
from bench.seeding import clear_sync_queue, create_pending_customers, new_async_channel
from shared.domain.channel import Channel
from shared.services.conversion_batch import run_conversion_batch
from shared.services.dependencies import Dependencies
from shared.storage.channel_rows import CUSTOMERS_TABLE
from tests.support.builders import make_dependencies

# Every customer costs about 100 ms of CPU to create and convert, so 500 synced is what fits the
# 3-minute budget on 2 cores; BENCH_SYNCED_CUSTOMERS=0,500,2000 runs bigger steps.
DEFAULT_SYNCED_CUSTOMERS = "0,100,500"
PROBES = 30
PENDING = 50
REPEATS = 2


def synced_customer_steps() -> list[int]:
    steps = sorted(
        {int(step) for step in os.environ.get("BENCH_SYNCED_CUSTOMERS", DEFAULT_SYNCED_CUSTOMERS).split(",")}
    )
    if steps[0] != 0 or len(steps) < 2:
        raise ValueError("BENCH_SYNCED_CUSTOMERS must start at 0 and have at least two steps")
    return steps


def storage_probe_ms(connection_string: str, channel: Channel) -> float:
    """Azurite's own cost for a point read and a range query in the channel's partition.

    The emulator keeps tables in memory and evaluates filters itself, so its round trips may slow
    down as a table grows where Azure Table storage's keyed reads would not; this tells that apart.
    """
    table = TableServiceClient.from_connection_string(connection_string).create_table_if_not_exists(
        CUSTOMERS_TABLE
    )

    def probe() -> None:
        with contextlib.suppress(ResourceNotFoundError):
            table.get_entity(channel.channel_id, "bench-probe|absent")
        query = "PartitionKey eq @pk and RowKey ge @start and RowKey lt @end"
        bounds = {"pk": channel.channel_id, "start": "bench-probe|", "end": "bench-probe}"}
        list(table.query_entities(query, parameters=bounds))

    return time_each(probe, PROBES, warmup=3).p50


def grow_synced_customers(dependencies: Dependencies, channel: Channel, count: int) -> None:
    """Seeds through the same service and batch the app uses, so the rows are exactly the app's."""
    if count == 0:
        return
    create_pending_customers(dependencies, channel, count, with_address=False)
    summary = run_conversion_batch(dependencies, trigger="bench-seed")
    if summary.converted != count or summary.failed:
        raise RuntimeError(f"seeding converted {summary.converted} of {count} ({summary.failed} failed)")


def timed_batch_over_pending(dependencies: Dependencies, channel: Channel) -> float:
    create_pending_customers(dependencies, channel, PENDING, with_address=False)
    started = time.perf_counter()
    summary = run_conversion_batch(dependencies, trigger="bench")
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    if summary.examined != PENDING or summary.converted != PENDING:
        raise RuntimeError(
            f"the batch examined {summary.examined} and converted {summary.converted}, not {PENDING}: "
            "something else was pending"
        )
    return elapsed_ms


def measure_conversion_batch_cost(connection_string: str) -> BenchmarkResult:
    dependencies = make_dependencies(connection_string)
    run_conversion_batch(dependencies, trigger="bench-drain")  # nothing pending but our own
    channel = new_async_channel(dependencies)
    steps = synced_customer_steps()
    batch_ms: dict[int, float] = {}
    probe_ms: dict[int, float] = {}
    synced_so_far = 0
    for synced in steps:
        # Timed runs convert their pending customers too, so they count towards the next step.
        grow_synced_customers(dependencies, channel, max(0, synced - synced_so_far))
        synced_so_far = max(synced, synced_so_far)
        probe_ms[synced] = storage_probe_ms(connection_string, channel)
        batch_ms[synced] = statistics.median(
            timed_batch_over_pending(dependencies, channel) for _ in range(REPEATS)
        )
        synced_so_far += REPEATS * PENDING
    clear_sync_queue(connection_string)
    largest = steps[-1]
    return BenchmarkResult(
        name="conversion batch is O(pending)",
        measured=(
            f"`run_conversion_batch` over {PENDING} pending customers in a channel "
            f"that also holds {', '.join(map(str, steps))} synced customers; median of {REPEATS}"
        ),
        floor=Floor("same batch beside 0 synced customers", batch_ms[0], "ms"),
        ratio=batch_ms[largest] / batch_ms[0],
        ratio_meaning=(
            f"batch time beside {largest} synced ÷ beside 0 (1 = independent of synced customers); "
            f"Azurite's own probe slowed by a factor {probe_ms[largest] / probe_ms[0]:.2f}"
        ),
        p50_ms=batch_ms[largest],
        throughput=PENDING / (batch_ms[largest] / 1000.0),
        throughput_unit=f"conversions/s beside {largest} synced",
        details={
            **{f"batch_ms_beside_{count}_synced": value for count, value in batch_ms.items()},
            **{f"azurite_probe_ms_beside_{count}_synced": value for count, value in probe_ms.items()},
            "azurite_probe_ratio": probe_ms[largest] / probe_ms[0],
        },
    )

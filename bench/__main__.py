"""`python -m bench`: every benchmark on the Azurite named by AzureWebJobsStorage, then the reports."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from bench.access_log_cost import measure_access_log_cost
from bench.account_number_allocation import measure_account_number_allocation
from bench.conversion_batch_cost import measure_conversion_batch_cost
from bench.conversion_floor import measure_conversion_floor
from bench.create_cpu import measure_create_cpu
from bench.create_latency import measure_create_latency
from bench.create_throughput import measure_create_throughput
from bench.erasure_cost import measure_erasure_cost
from bench.events_cost import measure_events_cost
from bench.hq_far_away import measure_hq_far_away
from bench.match_index_scale import measure_match_index_scale
from bench.offline_upload import measure_offline_upload
from bench.report import Machine, write_reports
from bench.result import BenchmarkResult
from bench.scale_of_data import measure_scale_of_data
from bench.scale_out import measure_scale_out
from bench.steady_sync import measure_steady_sync
from bench.sync_status_cost import measure_sync_status_cost
from bench.time_to_synced import measure_time_to_synced

Benchmark = Callable[[str], BenchmarkResult | list[BenchmarkResult]]

# In the order the reports list them.
BENCHMARKS: list[Benchmark] = [
    measure_create_latency,
    measure_create_throughput,
    measure_create_cpu,
    measure_hq_far_away,
    measure_time_to_synced,
    measure_steady_sync,
    measure_conversion_batch_cost,
    measure_conversion_floor,
    measure_account_number_allocation,
    measure_offline_upload,
    measure_scale_out,
    measure_scale_of_data,
    measure_match_index_scale,
    measure_sync_status_cost,
    measure_access_log_cost,
    measure_events_cost,
    measure_erasure_cost,
]


FIRST = (measure_conversion_batch_cost, measure_sync_status_cost)


def run_order(benchmarks: list[Benchmark]) -> list[Benchmark]:
    """The batch benchmark goes first, then the status one: both need a storage where nothing else
    is pending (the batch converts all it seeds)."""
    return sorted(
        benchmarks, key=lambda benchmark: FIRST.index(benchmark) if benchmark in FIRST else len(FIRST)
    )


def _name(benchmark: Benchmark) -> str:
    return benchmark.__name__.removeprefix("measure_")


def main() -> int:
    """Runs every benchmark, or only those named on the command line (`python -m bench create_latency`)."""
    connection_string = os.environ.get("AzureWebJobsStorage")
    if not connection_string:
        print(
            "AzureWebJobsStorage is not set; run `make bench`, which starts Azurite for it", file=sys.stderr
        )
        return 2
    # Expected warnings (e.g. a host stopping) must not be mistaken for the benchmark's output.
    logging.basicConfig(level=logging.ERROR)
    chosen = [benchmark for benchmark in BENCHMARKS if _name(benchmark) in sys.argv[1:]] or BENCHMARKS
    results: dict[Benchmark, list[BenchmarkResult]] = {}
    for benchmark in run_order(chosen):
        started = time.perf_counter()
        print(f"bench: {_name(benchmark)} ...", file=sys.stderr, flush=True)
        outcome = benchmark(connection_string)
        results[benchmark] = outcome if isinstance(outcome, list) else [outcome]
        print(f"bench:   done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    write_reports([result for benchmark in chosen for result in results[benchmark]], Machine.this_one())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Renders a run: a table on the terminal, `bench/out/results.json`, and `bench/RESULTS.md`."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.result import BenchmarkResult, number_or_dash

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_JSON = BENCH_DIR / "out" / "results.json"
RESULTS_MARKDOWN = BENCH_DIR / "RESULTS.md"
AZURITE_PACKAGE = BENCH_DIR.parent / "node_modules" / "azurite" / "package.json"

WHY_THESE_FLOORS = """\
## Why these floors

- **Duplicate detection beside 20,000 HQ customers**: detection writes a new customer's match keys
  and reads each key's partition (an HMAC of the key), so its cost is a few requests by key,
  whatever HQ holds. The floor is the same batch beside an index of 1,000; both steps convert the
  same 200 customers, 20 of them returning shoppers whose e-mail an indexed customer has, and both
  find the 20 duplicates. Round trips (counted on the wire) and app CPU are what Azure would bill;
  Azurite's wall time grows with its in-memory tables where Azure's keyed reads would not.
- **Create latency and throughput**: an async create makes three storage round trips (the GUID
  claim, one entity-group transaction with the customer, its addresses, operations and search
  entries, and the queue message; the channel and key are cached). The floor is the least any async
  create can do: insert one customer-sized entity and send one message, from one client or from the
  same 32 threads. Each runs three times: with the queue function off (the request path alone);
  on, in a host process of its own, which is how the Flex Consumption plan runs it (per-function
  scaling gives HTTP functions their own instances and the queue function its own); and on, in
  the same host, as under `make run`. With the queue function on, every create is followed by its
  conversion (fourteen more round trips) on the same two CPUs and the same single-threaded Azurite:
  the throughput rows carry the machine's busy CPU per customer, until the last conversion is
  done, and the rate two CPUs can sustain at that cost (`cpu_ceiling_*` in `results.json`). That
  ceiling, not the request path, is what the "on" rows measure on this machine; in Azure the
  conversions run on other instances and the storage on its own hardware.
- **HQ far away**: the same async creates with `HQ_STORAGE_CONNECTION` pointed at a loopback proxy
  (`bench/slow_proxy.py`) that holds every HQ round trip 200 ms; an async create never waits for
  HQ, so the ratio must stay near 1.
- **Create host CPU**: the host runs in a process of its own and its CPU time is read from /proc,
  so the clients' CPU is not counted; the floor is a request that needs no storage.
- **Create to Synced at a steady rate**: 20 creates a second through the host with the queue
  function on, as on a busy day; the lag is each record's own `syncedAt` minus `createdAt`, so
  polling costs nothing. The targets are on the lag itself (p50 at most 1 s, p95 at most 3 s); the
  ratio is against the in-process conversion.
- **Create to Synced**: the floor is the conversion itself, `convert_async_customer` called
  in-process on the same Azurite; what is above it is queue delivery, mostly the listener's polling
  back-off (`maxPollingInterval` 0.5 s here, 2 s in host.json).
- **Conversion batch**: the floor is the same batch over 50 new pending customers in the same
  channel before any synced customer exists. Guarantee 5 of the contract says the batch costs
  O(pending), so the ratio must stay near 1 however many customers are synced; a batch that read
  every customer would be about 10 times slower beside 500. The synced customers are created with
  `create_customer` and converted with `run_conversion_batch`, like the app's own; that costs about
  100 ms of CPU per customer, which is what limits the default steps to 0, 100 and 500
  (`BENCH_SYNCED_CUSTOMERS=0,500,2000 make bench` runs bigger ones). Azurite itself may slow down
  as its in-memory tables grow; the Ratio column and `results.json` carry its cost for a point
  read plus a range query in the same partition at each step (`azurite_probe_*`), so a ratio a
  little above 1 can be told apart from the app reading what it should not. With two runs per
  step on a shared machine, ±20 % around 1 is noise.
- **Conversion through the batch**: the floor makes, directly with the SDK and from as many threads
  as the batch has workers, the fourteen storage operations a conversion makes (two reads, two
  create-only inserts, five index writes in four requests, the mark-synced transaction that also
  drops the pending search entries, and duplicate detection's two match-key writes and two reads
  by key) on rows seeded alike; near 1 means the app adds little to the round trips it must make.
  With `DUPLICATE_POLICY=off` a conversion is ten round trips.
- **Account numbers**: the floor is the same 8 allocators with pre-allocation off (block size 1:
  one ETag-checked update per number); the ratio is what blocks of 10 buy under contention.
- **Heaviest offline upload**: the floor is the time this Azurite takes to write as many rows as
  the upload stored, raw, from 16 threads: near 1 means the upload costs what it stores, below 1
  that rows travel together. One record at a time, each search entry its own write, the ratio was
  1.24 (4.58 s for 2,800 rows); four records at a time 1.18; with a customer's pending search
  entries in its create transaction about 0.6 (2.4 s).
- **Beside 1,000 vs 5,000 synced customers** (20,000 with `BENCH_LARGE_SYNCED=20000`: Azurite,
  which keeps tables in memory, then takes longer to store them than the whole run's budget): the
  synced customers are written in bulk with the rows the app writes (record, synced search
  entries). The batch over 200 pending customers and the searches are compared by the app's own
  CPU, with the round trips each made counted beside it: equal round trips mean the work does not
  grow with what is stored. Azurite evaluates every query over its whole in-memory table, so its
  wall time grows with the table where Azure's keyed ranges do not (the wall ratio is shown too).
  Each search's CPU is the lowest of five rounds that alternate between the two steps: before,
  one run after the other, a full garbage collection of the seeded rows and a busier neighbour
  billed the larger step 1.3 times the CPU of the smaller with the same round trips.
- **Three hosts against one**: the same creates over one and over three `python -m devhost`
  processes sharing one Azurite, each host with its queue function and the singleton timer. On a
  machine of 2 CPUs that also runs the 32 clients and Azurite, the CPUs are the ceiling before any
  host is: three hosts cannot beat one there, and the ratio shows that ceiling rather than the
  design's, whose hosts share nothing but storage.

The create benchmarks with the queue function off measure the request path
alone; their customers stay pending (the timer is off too) and their queue messages are cleared
before the queue benchmark starts. The batch benchmark runs first, while nothing else is pending.
Azurite, the host and the benchmark's clients run on the same CPUs, so every number includes their
competition for them.
"""


@dataclass(frozen=True)
class Machine:
    date: str
    cpus: int
    python: str
    platform: str
    azurite: str
    load_average: float

    @classmethod
    def this_one(cls) -> Machine:
        """`cpus` is what `nproc` prints: the CPUs this process may run on."""
        return cls(
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0,
            python=platform.python_version(),
            platform=f"{platform.system()} {platform.machine()}",
            azurite=_azurite_version(),
            load_average=os.getloadavg()[0],
        )

    def sharing_note(self) -> str:
        """Ratios hold up under load better than milliseconds, but a reader should know."""
        return " (more than the CPUs: other work shared the machine)" if self.load_average > self.cpus else ""


def _azurite_version() -> str:
    try:
        return str(json.loads(AZURITE_PACKAGE.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


def table_rows(results: list[BenchmarkResult]) -> list[list[str]]:
    return [
        [
            result.name,
            result.measured,
            result.floor.label(),
            f"**{result.ratio:.2f}** ({result.ratio_meaning})",
            _target_cell(result),
            number_or_dash(result.p50_ms),
            number_or_dash(result.p95_ms),
            "-"
            if result.throughput is None
            else f"{number_or_dash(result.throughput)} {result.throughput_unit}",
        ]
        for result in results
    ]


HEADER = [
    "Benchmark",
    "What is measured",
    "Floor (same run)",
    "Ratio",
    "Target",
    "p50 ms",
    "p95 ms",
    "Throughput",
]


def _target_cell(result: BenchmarkResult) -> str:
    if result.target is None:
        return "-"
    return f"{result.target.label()}: {'met' if result.passed else '**missed**'}"


def markdown(results: list[BenchmarkResult], machine: Machine) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Reproduce with `make bench`: it starts a private in-memory Azurite, runs `python -m bench`,",
        "writes `bench/out/results.json` and rewrites this file. Absolute times depend on the machine,",
        "so every benchmark measures a floor in the same run; compare the ratios, not the milliseconds.",
        "",
        f"Run of {machine.date} on {machine.cpus} CPUs (`nproc`), {machine.platform}, "
        f"Python {machine.python}, Azurite {machine.azurite}; 1-minute load average at the end: "
        f"{machine.load_average:.1f}{machine.sharing_note()}.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row) + " |" for row in table_rows(results)),
        "",
        WHY_THESE_FLOORS,
    ]
    return "\n".join(lines)


def terminal_table(results: list[BenchmarkResult]) -> str:
    rows = [
        [
            r.name,
            f"{r.ratio:.2f}",
            "-" if r.target is None else f"{r.target.label()} {'ok' if r.passed else 'MISSED'}",
            number_or_dash(r.p50_ms),
            number_or_dash(r.p95_ms),
            number_or_dash(r.throughput),
            r.floor.label(),
        ]
        for r in results
    ]
    header = ["benchmark", "ratio", "target", "p50 ms", "p95 ms", "throughput", "floor"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    )


def write_reports(results: list[BenchmarkResult], machine: Machine) -> None:
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": asdict(machine), **{result.name: result.as_json() for result in results}}
    RESULTS_JSON.write_text(json.dumps(document, indent=2) + "\n")
    RESULTS_MARKDOWN.write_text(markdown(results, machine))
    print(terminal_table(results), file=sys.stdout)
    root = BENCH_DIR.parent
    print(f"\nWrote {RESULTS_JSON.relative_to(root)} and {RESULTS_MARKDOWN.relative_to(root)}")

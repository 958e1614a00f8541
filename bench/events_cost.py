"""What customer events cost: a conversion's app CPU and round trips with events on against off (the
event travels in the master's transaction; the addresses it shows are read beside the operations),
and how fast the dispatcher delivers to a local receiver against plain signed POSTs to it."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from bench.result import BenchmarkResult, Floor, Target
from bench.scale import scaled
from bench.seeding import create_pending_customers, new_async_channel
from shared.domain.events import EventType, NewEvent
from shared.services.conversion import convert_async_customer
from shared.services.dependencies import Dependencies
from shared.services.webhook_delivery import deliver_account
from shared.services.webhook_gate import POSTS_PER_WEBHOOK
from shared.services.webhooks import fan_out
from shared.storage.ports import StoredWebhook
from tests.support.builders import make_dependencies
from tests.support.faults import StorageFaults

CONVERSIONS = 120
ROUNDS = 4
ACCOUNTS = 40
EVENTS_PER_ACCOUNT = 5
THREADS = POSTS_PER_WEBHOOK  # as many as an instance has in flight to one webhook
CPU_TARGET = Target("<=", 1.15)


def _conversions(connection_string: str, *, events: bool, count: int) -> tuple[float, float]:
    """App CPU (ms) and round trips per conversion, publishing aside (counted in the dispatcher row)."""
    channel_calls, hq_calls = StorageFaults(), StorageFaults()
    dependencies = make_dependencies(
        connection_string,
        channel_transport=channel_calls,
        hq_transport=hq_calls,
        DUPLICATE_POLICY="off",
        CUSTOMER_EVENTS="true" if events else "false",
    )
    dependencies.event_publisher.publish = None
    channel = new_async_channel(dependencies)
    customers = create_pending_customers(dependencies, channel, count + 2, with_address=True)
    for customer_id in customers[:2]:  # tables made, a block of numbers reserved
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=customer_id)
    channel_calls.sent.clear()
    hq_calls.sent.clear()
    started = time.process_time()
    for customer_id in customers[2:]:
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=customer_id)
    cpu_ms = (time.process_time() - started) * 1000.0 / count
    return cpu_ms, (len(channel_calls.sent) + len(hq_calls.sent)) / count


def _conversion_cost(connection_string: str) -> BenchmarkResult:
    per_round = max(scaled(CONVERSIONS) // ROUNDS, 10)
    cpu: dict[bool, list[float]] = {True: [], False: []}
    trips: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(ROUNDS):
        for events in (False, True):
            cpu_ms, round_trips = _conversions(connection_string, events=events, count=per_round)
            cpu[events].append(cpu_ms)
            trips[events].append(round_trips)
    on, off = min(cpu[True]), min(cpu[False])
    trips_on, trips_off = sum(trips[True]) / ROUNDS, sum(trips[False]) / ROUNDS
    return BenchmarkResult(
        name="conversion with customer events",
        measured=(
            f"{per_round * ROUNDS} sequential `convert_async_customer` (one address, "
            "DUPLICATE_POLICY=off) with "
            f"CUSTOMER_EVENTS on, rounds alternating with it off; app CPU per conversion, the lowest of "
            f"{ROUNDS} rounds; round trips {trips_on:.1f} on vs {trips_off:.1f} off (the addresses the event "
            "shows are read beside the operations: one more call, none more one after the other)"
        ),
        floor=Floor("app CPU per conversion with events off", off, "ms"),
        ratio=on / off,
        ratio_meaning="app CPU per conversion with events ÷ without",
        target=CPU_TARGET,
        details={"round_trips_on": trips_on, "round_trips_off": trips_off},
    )


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _recorded_events(dependencies: Dependencies, accounts: int) -> list[str]:
    """Accounts with a master each and EVENTS_PER_ACCOUNT events recorded, fanned out to the webhook."""
    channel = new_async_channel(dependencies)
    customers = create_pending_customers(dependencies, channel, accounts, with_address=False)
    numbers = []
    for customer_id in customers:
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=customer_id)
        record = dependencies.customers.get(channel.channel_id, customer_id)
        assert record is not None and record.account_number is not None
        numbers.append(record.account_number)
    for account in numbers:
        for change in range(EVENTS_PER_ACCOUNT - 1):
            event = NewEvent(
                type=EventType.ADDRESS_ADDED,
                time=dependencies.clock(),
                data={"n": change},
                change=f"b{change}",
            )
            dependencies.customer_events.record(account, event)
        fan_out(dependencies, dependencies.customer_events.after(account, 0, limit=100))
    return numbers


def _dispatcher_throughput(connection_string: str) -> BenchmarkResult:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    served = ThreadPoolExecutor(1)
    served.submit(server.serve_forever)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        dependencies = make_dependencies(connection_string, ALLOW_LOCAL_WEBHOOKS="true")
        dependencies.event_publisher.publish = None
        webhook = StoredWebhook(str(uuid.uuid4()), url, [], dependencies.clock(), "whsec_" + "QUJD" * 8)
        dependencies.webhooks.add(webhook)
        accounts = _recorded_events(dependencies, scaled(ACCOUNTS))
        deliveries = len(accounts) * EVENTS_PER_ACCOUNT
        started = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            delivered = sum(
                pool.map(lambda account: deliver_account(dependencies, webhook.webhook_id, account), accounts)
            )
        dispatch_s = time.perf_counter() - started
        dependencies.webhooks.remove(webhook.webhook_id)
        session = requests.Session()
        body = b'{"specversion":"1.0"}' * 40
        started = time.perf_counter()
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(lambda _: session.post(url, data=body, timeout=5).close(), range(deliveries)))
        raw_s = time.perf_counter() - started
    finally:
        server.shutdown()
        served.shutdown()
    if delivered != deliveries:
        raise RuntimeError(f"delivered {delivered} of {deliveries}")
    return BenchmarkResult(
        name="webhook dispatcher to a local receiver",
        measured=(
            f"{deliveries} deliveries ({len(accounts)} accounts x {EVENTS_PER_ACCOUNT} events, in order per "
            f"account) by `deliver_account` from {THREADS} threads, one per account at a time: lease, read, "
            "sign, POST, mark delivered"
        ),
        floor=Floor(f"the same number of plain POSTs from {THREADS} threads", deliveries / raw_s, "per s"),
        ratio=(deliveries / dispatch_s) / (deliveries / raw_s),
        ratio_meaning="deliveries/s ÷ plain POSTs/s",
        throughput=deliveries / dispatch_s,
        throughput_unit="deliveries/s",
    )


def measure_events_cost(connection_string: str) -> list[BenchmarkResult]:
    return [_conversion_cost(connection_string), _dispatcher_throughput(connection_string)]

"""Synchronous functions share one pool sized like the Python worker's; async ones run on its loop."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
from azure.storage.queue import QueueClient

from devhost.invoker import worker_thread_count
from tests.devhost.conftest import StartSample
from tests.devhost.helpers import unique_name, wait_for


def _overlap(base_url: str, key: str, calls: int, seconds: float = 0.3) -> int:
    limits = httpx.Limits(max_connections=calls)
    with (
        httpx.Client(base_url=base_url, limits=limits, timeout=60) as client,
        ThreadPoolExecutor(max_workers=calls) as pool,
    ):
        responses = list(
            pool.map(lambda _: client.get(f"/api/busy/{key}", params={"seconds": seconds}), range(calls))
        )
    assert [r.status_code for r in responses] == [200] * calls
    return max(int(r.json()["most_running"]) for r in responses)


def test_default_pool_is_min_32_cpus_plus_4_and_caps_concurrent_calls(start_sample: StartSample) -> None:
    sample = start_sample()
    expected = min(32, (os.cpu_count() or 1) + 4)
    assert sample.host.worker_threads == expected
    assert _overlap(sample.base_url, unique_name("busy"), calls=expected * 2) == expected


def test_thread_count_setting_sizes_the_pool(start_sample: StartSample) -> None:
    sample = start_sample(PYTHON_THREADPOOL_THREAD_COUNT="2")
    assert sample.host.worker_threads == 2
    assert _overlap(sample.base_url, unique_name("busy"), calls=6) == 2


def test_an_unusable_thread_count_falls_back_to_the_default() -> None:
    default = min(32, (os.cpu_count() or 1) + 4)
    for value in ("0", "-3", "many", ""):
        assert worker_thread_count({"PYTHON_THREADPOOL_THREAD_COUNT": value}) == default
    assert worker_thread_count({}) == default
    assert worker_thread_count({"PYTHON_THREADPOOL_THREAD_COUNT": "40"}) == 40


def test_queue_and_http_functions_wait_for_the_same_pool(
    start_sample: StartSample, storage_connection_string: str
) -> None:
    """With one worker thread, a queue message is handled only once the HTTP call holding it ends."""
    sample = start_sample(PYTHON_THREADPOOL_THREAD_COUNT="1")
    key = unique_name("held")
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(httpx.get, f"{sample.base_url}/api/hold/{key}", timeout=30)
        wait_for(lambda: sample.host.in_flight == 1)
        queue = QueueClient.from_connection_string(storage_connection_string, sample.settings["OK_QUEUE"])
        queue.send_message("aGVsbG8=")  # "hello", base64 as the host expects
        # The message is received and handed to the worker, but no thread is free to run it.
        wait_for(lambda: sample.host.in_flight == 2)
        # async functions run on the worker's event loop, not on the pool: this one gets through.
        assert httpx.get(f"{sample.base_url}/api/release/{key}", timeout=5).json() == {"released": True}
        left = held.result().json()
    assert left["released"] is True
    [record] = wait_for(lambda: sample.records(sample.settings["OK_QUEUE"]))
    assert record["body"] == "hello"
    assert record["entered_at"] >= left["left_at"]

"""Queue triggers against real Azurite: delivery, deletion, retries and the poison queue."""

from __future__ import annotations

import base64
import logging

import pytest
from azure.storage.queue import QueueClient

from devhost.queue_listener import poison_queue_name
from devhost.storage import create_queue_if_missing
from tests.devhost.conftest import StartSample
from tests.devhost.helpers import unique_name, wait_for


def _queue(connection: str, name: str) -> QueueClient:
    client = QueueClient.from_connection_string(connection, name)
    create_queue_if_missing(client)  # the host may be creating it at the same moment
    return client


def _send_text(client: QueueClient, text: str) -> str:
    """Send as the Functions queue extension expects by default: base64 of UTF-8."""
    return str(client.send_message(base64.b64encode(text.encode()).decode()).id)


def _count(client: QueueClient) -> int:
    return int(client.get_queue_properties().approximate_message_count or 0)


def test_message_is_decoded_delivered_once_and_deleted(
    start_sample: StartSample, storage_connection_string: str, caplog: pytest.LogCaptureFixture
) -> None:
    sample = start_sample()
    queue = _queue(storage_connection_string, sample.settings["OK_QUEUE"])

    def executed() -> list[str]:
        return [r.getMessage() for r in caplog.records if "Functions.accept_message" in r.getMessage()]

    with caplog.at_level(logging.INFO, logger="devhost"):
        message_id = _send_text(queue, '{"customer": "Ann"}')
        records = wait_for(lambda: sample.records(sample.settings["OK_QUEUE"]))
        # The invocation's log line follows the function's own work; wait for it, not for time.
        wait_for(executed)

    for record in records:
        record.pop("entered_at")
    assert records == [
        {
            "id": message_id,
            "body": '{"customer": "Ann"}',
            "dequeue_count": 1,
            "has_insertion_time": True,
            "has_pop_receipt": True,
        }
    ]
    wait_for(lambda: _count(queue) == 0)
    log = executed()
    assert len(log) == 1
    assert f"MessageId={message_id}" in log[0] and "DequeueCount=1" in log[0]
    assert "Ann" not in log[0]


def test_queue_output_binding_sends_after_success(
    start_sample: StartSample, storage_connection_string: str
) -> None:
    sample = start_sample()
    _send_text(_queue(storage_connection_string, sample.settings["OK_QUEUE"]), "hello")
    echo = _queue(storage_connection_string, sample.settings["ECHO_QUEUE"])
    messages = wait_for(lambda: echo.peek_messages(max_messages=5))
    assert [base64.b64decode(m.content).decode() for m in messages] == ["echo:hello"]


def test_failing_message_is_retried_then_moved_to_poison(
    start_sample: StartSample, storage_connection_string: str
) -> None:
    sample = start_sample()  # sample host.json: maxDequeueCount 3, visibilityTimeout 0
    name = sample.settings["FAIL_QUEUE"]
    queue = _queue(storage_connection_string, name)
    content = base64.b64encode(b"never accepted").decode()
    message_id = queue.send_message(content).id

    poison = _queue(storage_connection_string, poison_queue_name(name))
    poisoned = wait_for(lambda: poison.peek_messages(max_messages=5), timeout=15)
    assert [m.content for m in poisoned] == [content]
    assert [r["dequeue_count"] for r in sample.records(name)] == [1, 2, 3]
    assert {r["id"] for r in sample.records(name)} == {message_id}
    wait_for(lambda: _count(queue) == 0)


def test_content_that_is_not_base64_goes_straight_to_poison(
    start_sample: StartSample, storage_connection_string: str
) -> None:
    sample = start_sample()
    name = sample.settings["OK_QUEUE"]
    queue = _queue(storage_connection_string, name)
    queue.send_message("this is not base64!")
    poison = _queue(storage_connection_string, poison_queue_name(name))
    poisoned = wait_for(lambda: poison.peek_messages(max_messages=5))
    assert [m.content for m in poisoned] == ["this is not base64!"]
    assert sample.records(name) == []


def test_message_already_past_max_dequeue_count_is_poisoned_without_invoking(
    start_sample: StartSample, storage_connection_string: str
) -> None:
    """As after a host crash: the message was received more often than maxDequeueCount allows."""
    name = unique_name("ok-crashed")
    queue = _queue(storage_connection_string, name)
    queue.send_message(base64.b64encode(b"stale").decode())
    for _ in range(4):  # sample maxDequeueCount is 3
        received = next(iter(queue.receive_messages(max_messages=1, visibility_timeout=30)))
        queue.update_message(received, visibility_timeout=0)

    sample = start_sample(OK_QUEUE=name)
    poison = _queue(storage_connection_string, poison_queue_name(name))
    wait_for(lambda: poison.peek_messages(max_messages=5))
    assert sample.records(name) == []
    assert _count(queue) == 0

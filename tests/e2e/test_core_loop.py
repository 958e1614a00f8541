"""The core loop through the local host: create over HTTP, convert through the queue or the timer."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from typing import Any

from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from shared.domain.channel import Channel
from shared.domain.sync import POISON_QUEUE, SYNC_QUEUE
from shared.services import fault_points
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, wait_for
from tests.support.builders import add_channel, make_dependencies, person
from tests.support.faults import StorageFaults, SwitchableFaults
from tests.support.inspection import channel_rows, hq_masters_of, pending_rows


def queue(connection_string: str, name: str) -> QueueClient:
    client = QueueClient.from_connection_string(
        connection_string,
        name,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )
    with contextlib.suppress(Exception):
        client.create_queue()
    return client


def synced(api: Any, channel_id: str, headers: dict[str, str], customer_id: str) -> dict[str, Any] | None:
    body = api.customer(channel_id, headers, customer_id).json()
    return body if body.get("syncStatus") == "Synced" else None


def test_async_customer_is_pending_then_converted_by_the_queue(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    response = api.create_customer(channel_id, key, person())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["accountNumber"] is None
    assert created["displayAccountNumber"] == "Pending synchronization"
    assert created["creationMode"] == "Async" and created["syncStatus"] == "Pending"
    assert response.headers["Location"] == f"/api/channels/{channel_id}/customers/{created['customerId']}"

    converted = wait_for(lambda: synced(api, channel_id, key, created["customerId"]), timeout=15)
    assert converted["accountNumber"] == converted["displayAccountNumber"]
    assert converted["syncedAt"] is not None
    by_account = api.customer(channel_id, key, converted["accountNumber"])
    assert by_account.status_code == 200 and by_account.json()["customerId"] == created["customerId"]
    assert len(hq_masters_of(storage_connection_string, created["customerId"])) == 1


def test_pending_customer_is_visible_only_in_its_own_channel_until_converted(start_host: StartHost) -> None:
    # No message reaches the queue, so the customer stays pending until the batch runs.
    no_messages = StorageFaults(fail_when=lambda request: f"/{SYNC_QUEUE}/messages" in request.url)
    api = start_host(channel_transport=no_messages)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    other_id, other_key = api.new_channel()
    customer_id = api.create_customer(channel_id, key, person()).json()["customerId"]
    assert api.customer(channel_id, key, customer_id).json()["syncStatus"] == "Pending"
    assert api.customer(other_id, other_key, customer_id).status_code == 404

    assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    elsewhere = api.customer(other_id, other_key, customer_id)
    assert elsewhere.status_code == 200 and elsewhere.json()["syncStatus"] == "Synced"
    by_account = api.customer(other_id, other_key, elsewhere.json()["accountNumber"])
    assert by_account.json()["customerId"] == customer_id


def test_customer_whose_message_was_lost_is_converted_by_the_timer(
    start_host: StartHost, storage_connection_string: str
) -> None:
    # Enqueueing fails outright: the create must still succeed, and the timer batch must convert it.
    lose_messages = StorageFaults(fail_when=lambda request: f"/{SYNC_QUEUE}/messages" in request.url)
    api = start_host(schedule="*/1 * * * * *", channel_transport=lose_messages)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    response = api.create_customer(channel_id, key, person())
    assert response.status_code == 201
    assert lose_messages.failures >= 1
    customer_id = response.json()["customerId"]
    wait_for(lambda: synced(api, channel_id, key, customer_id), timeout=15)
    assert len(hq_masters_of(storage_connection_string, customer_id)) == 1
    assert pending_rows(storage_connection_string, channel_id) == []


def pending_customer(storage_connection_string: str) -> tuple[Dependencies, Channel, str]:
    """A customer created pending in a new async channel, without a host."""
    dependencies = make_dependencies(storage_connection_string)
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=person())
    return dependencies, channel, created.customer.customer_id


def test_message_deleted_before_delivery_is_converted_by_the_batch(
    start_host: StartHost, storage_connection_string: str
) -> None:
    dependencies, channel, customer_id = pending_customer(storage_connection_string)
    sync_queue = queue(storage_connection_string, SYNC_QUEUE)
    # Other tests' messages share the queue: look until this one is found, hiding theirs a moment only.
    deleted = False
    for _ in range(100):
        for message in sync_queue.receive_messages(max_messages=32, visibility_timeout=1):
            if customer_id in message.content:
                sync_queue.delete_message(message)
                deleted = True
        if deleted:
            break
    assert deleted
    api = start_host()
    run = api.http.post("/api/sync/runs", headers=ADMIN)
    assert run.status_code == 200 and run.json()["converted"] >= 1
    record = dependencies.customers.get(channel.channel_id, customer_id)
    assert record is not None and record.sync_status.value == "Synced"
    assert len(hq_masters_of(storage_connection_string, customer_id)) == 1
    status = api.http.get("/api/sync/status").json()
    assert status["lastRun"]["runId"] == run.json()["runId"]


def test_same_message_delivered_twice_and_concurrently_makes_one_hq_customer(
    start_host: StartHost, storage_connection_string: str
) -> None:
    dependencies, channel, customer_id = pending_customer(storage_connection_string)
    message = json.dumps({"kind": "customer", "channelId": channel.channel_id, "customerId": customer_id})
    sync_queue = queue(storage_connection_string, SYNC_QUEUE)
    for _ in range(4):
        sync_queue.send_message(message)
    start_host()

    def synced() -> bool:
        record = dependencies.customers.get(channel.channel_id, customer_id)
        return record is not None and record.sync_status.value == "Synced"

    wait_for(synced)
    wait_for(
        lambda: not any(customer_id in m.content for m in sync_queue.peek_messages(max_messages=32)),
        timeout=15,
    )
    masters = hq_masters_of(storage_connection_string, customer_id)
    assert len(masters) == 1


def test_conversion_that_keeps_failing_lands_in_poison_and_the_batch_converts_it_later(
    start_host: StartHost, storage_connection_string: str
) -> None:
    hq_write_fails = SwitchableFaults(fault_points.AFTER_ACCOUNT_NUMBER_BOUND)
    api = start_host(faults=hq_write_fails)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    customer_id = api.create_customer(channel_id, key, person()).json()["customerId"]
    poison = queue(storage_connection_string, POISON_QUEUE)

    def parked() -> bool:
        return any(customer_id in m.content for m in poison.peek_messages(max_messages=32))

    wait_for(parked, timeout=30)
    assert api.customer(channel_id, key, customer_id).json()["syncStatus"] == "Pending"
    assert api.http.get("/api/sync/status").json()["poisonMessages"] >= 1
    failed = api.http.get(
        "/api/sync/operations", params={"status": "Failed", "channelId": channel_id}, headers=ADMIN
    )
    [operation] = failed.json()["items"]
    assert operation["customerId"] == customer_id
    assert operation["attempts"] == 5 and operation["lastError"] == "SimulatedCrash"

    hq_write_fails.active.clear()
    run = api.http.post("/api/sync/runs", headers=ADMIN)
    assert run.status_code == 200
    assert synced(api, channel_id, key, customer_id)
    assert len(hq_masters_of(storage_connection_string, customer_id)) == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sync_create_answers_with_an_account_number(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel()
    response = api.create_customer(channel_id, key, person())
    assert response.status_code == 201
    body = response.json()
    assert body["creationMode"] == "Sync" and body["syncStatus"] == "Synced"
    assert body["accountNumber"] and body["fallbackReason"] is None


def test_sync_create_falls_back_to_async_when_hq_is_down(
    start_host: StartHost, storage_connection_string: str
) -> None:
    port = closed_port()
    dead_hq = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        f"TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )
    api = start_host(HQ_STORAGE_CONNECTION=dead_hq, HQ_TIMEOUT_SECONDS=1)
    channel_id, key = api.new_channel()
    response = api.create_customer(channel_id, key, person())
    assert response.status_code == 201
    body = response.json()
    assert (body["creationMode"], body["syncStatus"], body["fallbackReason"]) == (
        "Async",
        "Pending",
        "headquarters-unavailable",
    )
    assert api.http.get("/api/health").status_code == 503

    api = start_host()  # HQ is back
    wait_for(lambda: synced(api, channel_id, key, body["customerId"]), timeout=15)
    assert len(hq_masters_of(storage_connection_string, body["customerId"])) == 1


def test_sync_create_falls_back_when_hq_is_slower_than_the_timeout(
    start_host: StartHost, storage_connection_string: str
) -> None:
    slow_hq = StorageFaults()
    api = start_host(hq_transport=slow_hq, HQ_TIMEOUT_SECONDS=0.5)
    channel_id, key = api.new_channel()
    slow_hq.delay_seconds = 1.0
    response = api.create_customer(channel_id, key, person())
    slow_hq.delay_seconds = 0.0
    assert response.status_code == 201
    body = response.json()
    assert body["fallbackReason"] == "headquarters-unavailable" and body["creationMode"] == "Async"
    wait_for(lambda: synced(api, channel_id, key, body["customerId"]), timeout=15)
    assert len(hq_masters_of(storage_connection_string, body["customerId"])) == 1


def test_health_and_openapi_are_served(start_host: StartHost) -> None:
    api = start_host()
    health = api.http.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "Healthy"
    document = api.http.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/channels/{channelId}/customers" in document["paths"]


def test_concurrent_creates_are_served_in_parallel(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    statuses: list[int] = []

    def create() -> None:
        statuses.append(api.create_customer(channel_id, key, person()).status_code)

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 20


def test_storage_outage_answers_503_with_retry_after_and_keeps_nothing(
    start_host: StartHost, storage_connection_string: str
) -> None:
    transactions_fail = StorageFaults(answer_when=lambda request: None)
    api = start_host(channel_transport=transactions_fail)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    transactions_fail.answer_when = lambda request: 503 if request.url.endswith("/$batch") else None
    response = api.create_customer(channel_id, key, person())
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["Retry-After"]) > 0
    assert "Traceback" not in response.text
    assert channel_rows(storage_connection_string, channel_id) == []

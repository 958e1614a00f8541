"""Every functionality-profile behaviour of D365 async customers, end to end through the local host."""

from __future__ import annotations

import json
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import StartHost, failed_conversion
from tests.support.api import ADMIN, ApiClient, wait_for
from tests.support.builders import person
from tests.support.inspection import hq_masters_of

ADDRESS = {
    "street": "1 Main St",
    "city": "Seattle",
    "state": "WA",
    "zipCode": "98101",
    "countryRegionId": "USA",
}


def run_batch(api: ApiClient) -> dict[str, Any]:
    response = api.http.post("/api/sync/runs", headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json())


def dead_hq_connection() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        f"TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )


# -- enhanced async customers (10.0.24) ---------------------------------------------------------


def test_sync_creates_may_carry_enhanced_fields_without_the_flag(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(enhancedAsyncCustomers=False)
    body = person(title="Dr.", affiliations=["Staff"], additionalEmails=["ada.work@example.com"])
    response = api.create_customer(channel_id, key, body)
    assert response.status_code == 201
    assert response.json()["title"] == "Dr." and response.json()["creationMode"] == "Sync"


def test_async_creates_carry_enhanced_fields_with_the_flag(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    body = person(title="Dr.", affiliations=["Staff"], additionalPhones=["(206) 555-0111"])
    created = api.create_customer(channel_id, key, body).json()
    assert created["additionalPhones"] == [{"value": "+12065550111", "marketingConsent": False}] and created[
        "affiliations"
    ] == ["Staff"]


# -- asynchronous creation of customer addresses (10.0.22) ---------------------------------------


def test_async_customer_gets_any_number_of_addresses_synced_after_it(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host(queue_trigger=False)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    created = api.create_customer(channel_id, key, person(addresses=[ADDRESS])).json()
    customer_id, created_first = created["customerId"], created["addresses"][0]["addressId"]
    added = [
        api.http.post(
            f"/api/channels/{channel_id}/customers/{customer_id}/addresses", json=ADDRESS, headers=key
        )
        for _ in range(3)
    ]
    assert [response.status_code for response in added] == [201] * 3
    assert {response.json()["syncStatus"] for response in added} == {"Pending"}
    status = api.http.get("/api/sync/status").json()
    assert status["pendingAddresses"] >= 4

    run_batch(api)
    customer = api.customer(channel_id, key, customer_id).json()
    assert customer["syncStatus"] == "Synced"
    assert [address["syncStatus"] for address in customer["addresses"]] == ["Synced"] * 4
    assert [address["addressId"] for address in customer["addresses"]] == [
        created_first,
        *[response.json()["addressId"] for response in added],
    ]


def test_sync_customer_address_is_saved_in_the_channel_first_with_the_flag(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel()
    customer = api.create_customer(channel_id, key, person()).json()
    added = api.http.post(
        f"/api/channels/{channel_id}/customers/{customer['customerId']}/addresses", json=ADDRESS, headers=key
    )
    assert added.status_code == 201 and added.json()["syncStatus"] == "Pending"

    def address_synced() -> bool:
        addresses = api.customer(channel_id, key, customer["customerId"]).json()["addresses"]
        return bool(addresses[0]["syncStatus"] == "Synced")

    wait_for(address_synced, timeout=15)


def test_without_the_flag_a_sync_customer_address_is_written_to_hq_in_the_request(
    start_host: StartHost,
) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerAddresses=False)
    customer = api.create_customer(channel_id, key, person()).json()
    added = api.http.post(
        f"/api/channels/{channel_id}/customers/{customer['accountNumber']}/addresses",
        json=ADDRESS,
        headers=key,
    )
    assert added.status_code == 201 and added.json()["syncStatus"] == "Synced"


def test_without_the_flag_hq_down_gives_503_and_keeps_nothing(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerAddresses=False)
    customer = api.create_customer(channel_id, key, person()).json()
    assert customer["syncStatus"] == "Synced"

    api = start_host(HQ_STORAGE_CONNECTION=dead_hq_connection(), HQ_TIMEOUT_SECONDS=1)
    response = api.http.post(
        f"/api/channels/{channel_id}/customers/{customer['customerId']}/addresses", json=ADDRESS, headers=key
    )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Retry-After" in response.headers
    assert api.customer(channel_id, key, customer["customerId"]).json()["addresses"] == []


def test_without_the_flag_a_pending_async_customer_gets_no_second_address(start_host: StartHost) -> None:
    api = start_host(queue_trigger=False)
    channel_id, key = api.new_channel(asyncCustomerCreation=True, asyncCustomerAddresses=False)
    two = api.create_customer(channel_id, key, person(addresses=[ADDRESS, ADDRESS]))
    assert two.status_code == 422 and two.json()["errors"][0]["field"] == "addresses"
    customer_id = api.create_customer(channel_id, key, person(addresses=[ADDRESS])).json()["customerId"]
    more = api.http.post(
        f"/api/channels/{channel_id}/customers/{customer_id}/addresses", json=ADDRESS, headers=key
    )
    assert more.status_code == 409
    assert more.json()["type"].endswith("/async-customer-address-unavailable")


# -- editing, loyalty while pending --------------------------------------------------------------


def test_pending_customer_cannot_be_edited_or_get_a_loyalty_card_until_synced(start_host: StartHost) -> None:
    api = start_host(queue_trigger=False)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    customer_id = api.create_customer(channel_id, key, person()).json()["customerId"]
    base = f"/api/channels/{channel_id}/customers/{customer_id}"
    edit = api.http.patch(base, json={"lastName": "Byron"}, headers=key)
    assert edit.status_code == 409 and edit.json()["type"].endswith("/async-customer-not-editable")
    card = api.http.post(f"{base}/loyalty-cards", headers=key)
    assert card.status_code == 409 and card.json()["type"].endswith("/async-customer-loyalty-unavailable")

    run_batch(api)
    synced = api.customer(channel_id, key, customer_id).json()
    stale = api.http.patch(base, json={"lastName": "Byron"}, headers={**key, "If-Match": 'W/"stale"'})
    assert stale.status_code == 412
    edited = api.http.patch(base, json={"lastName": "Byron"}, headers={**key, "If-Match": synced["version"]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["lastName"] == "Byron" and edited.json()["version"] != synced["version"]
    again = api.http.patch(base, json={"lastName": "King"}, headers={**key, "If-Match": synced["version"]})
    assert again.status_code == 412
    card = api.http.post(f"{base}/loyalty-cards", headers=key)
    assert card.status_code == 201 and card.json()["cardNumber"].startswith("LC")
    second = api.http.post(f"{base}/loyalty-cards", headers=key)
    assert second.json()["cardNumber"] != card.json()["cardNumber"]


def test_edit_of_synced_customer_reaches_hq(start_host: StartHost, storage_connection_string: str) -> None:
    api = start_host()
    channel_id, key = api.new_channel()
    customer = api.create_customer(channel_id, key, person()).json()
    edited = api.http.patch(
        f"/api/channels/{channel_id}/customers/{customer['customerId']}",
        json={"email": "Ada.Byron@Example.com", "middleName": "King"},
        headers=key,
    )
    assert edited.status_code == 200
    assert edited.json()["email"] == "Ada.Byron@example.com"
    [master] = hq_masters_of(storage_connection_string, customer["customerId"])
    profile = json.loads(master["Profile"])
    assert profile["email"] == "Ada.Byron@example.com" and profile["middleName"] == "King"


def test_async_customer_edits_apply_at_once_and_replay_on_hq_in_order_after_conversion(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host(queue_trigger=False)
    channel_id, key = api.new_channel(asyncCustomerCreation=True, asyncCustomerEdits=True)
    customer_id = api.create_customer(channel_id, key, person()).json()["customerId"]
    base = f"/api/channels/{channel_id}/customers/{customer_id}"
    first = api.http.patch(base, json={"lastName": "Byron"}, headers=key)
    second = api.http.patch(base, json={"lastName": "King", "title": "Countess"}, headers=key)
    assert first.status_code == second.status_code == 200
    assert second.json()["syncStatus"] == "Pending" and second.json()["lastName"] == "King"
    pending = api.http.get(
        "/api/sync/operations", params={"status": "Pending", "channelId": channel_id}, headers=ADMIN
    )
    kinds = sorted(operation["kind"] for operation in pending.json()["items"])
    assert kinds == ["CustomerCreate", "CustomerEdit", "CustomerEdit"]

    run_batch(api)
    [master] = hq_masters_of(storage_connection_string, customer_id)
    profile = json.loads(master["Profile"])
    assert (profile["lastName"], profile["title"]) == ("King", "Countess")
    assert master["EditSequence"] == 2
    synced = api.http.get(
        "/api/sync/operations", params={"status": "Synced", "channelId": channel_id}, headers=ADMIN
    )
    edits = sorted(op["editSequence"] for op in synced.json()["items"] if op["kind"] == "CustomerEdit")
    assert edits == [1, 2]


# -- idempotent creation -------------------------------------------------------------------------


def test_retry_with_same_customer_id_returns_the_same_customer_and_a_different_body_conflicts(
    start_host: StartHost,
) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    body = person(customerId=str(uuid.uuid4()))
    first = api.create_customer(channel_id, key, body)
    again = api.create_customer(channel_id, key, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["customerId"] == first.json()["customerId"] == body["customerId"]
    other = api.create_customer(channel_id, key, {**body, "lastName": "Byron"})
    assert other.status_code == 409 and other.json()["type"].endswith("/customer-id-conflict")


def test_idempotency_key_makes_a_retry_safe_without_customer_id(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    headers = {**key, "Idempotency-Key": f"checkout-{uuid.uuid4()}"}
    first = api.create_customer(channel_id, headers, person())
    again = api.create_customer(channel_id, headers, person())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["customerId"] == first.json()["customerId"]
    other = api.create_customer(channel_id, headers, person(lastName="Byron"))
    assert other.status_code == 409


def test_concurrent_duplicate_creates_make_one_customer(
    start_host: StartHost, storage_connection_string: str
) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    body = person(customerId=str(uuid.uuid4()))
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: api.create_customer(channel_id, key, body), range(8)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 7 + [201]
    assert {response.json()["customerId"] for response in responses} == {body["customerId"]}
    run_batch(api)
    assert len(hq_masters_of(storage_connection_string, body["customerId"])) == 1


# -- offline upload and filterSharedCustomerTables -----------------------------------------------


def test_offline_upload_creates_each_record_async_and_is_idempotent(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel()  # a sync channel: offline uploads are async all the same
    records = [
        person(customerId=str(uuid.uuid4())),
        person(customerId=str(uuid.uuid4()), email="bad"),
        person(),
    ]
    url = f"/api/channels/{channel_id}/offline-customers"
    first = api.http.post(url, json={"customers": records}, headers=key)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [result["status"] for result in results] == [201, 422, 422]
    assert results[0]["customer"]["creationMode"] == "Async"
    assert results[1]["problem"]["errors"][0]["field"] == "customers[1].email"
    assert results[2]["problem"]["errors"][0]["field"] == "customers[2].customerId"
    again = api.http.post(url, json={"customers": records}, headers=key).json()["results"]
    assert [result["status"] for result in again] == [200, 422, 422]
    assert again[0]["customer"]["customerId"] == records[0]["customerId"]


def test_offline_upload_of_more_than_100_is_refused(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel()
    records = [person(customerId=str(uuid.uuid4())) for _ in range(101)]
    response = api.http.post(
        f"/api/channels/{channel_id}/offline-customers", json={"customers": records}, headers=key
    )
    assert response.status_code == 413


def test_filter_shared_customer_tables_rejects_offline_records_one_by_one(start_host: StartHost) -> None:
    api = start_host()
    channel_id, key = api.new_channel(filterSharedCustomerTables=True)
    records = [person(customerId=str(uuid.uuid4())) for _ in range(2)]
    response = api.http.post(
        f"/api/channels/{channel_id}/offline-customers", json={"customers": records}, headers=key
    )
    results = response.json()["results"]
    assert [result["status"] for result in results] == [403, 403]
    assert all(
        result["problem"]["type"].endswith("/offline-customer-creation-disabled") for result in results
    )
    assert api.customer(channel_id, key, records[0]["customerId"]).status_code == 404


# -- synchronization status audit (10.0.31) ------------------------------------------------------


def test_failed_operation_is_listed_with_its_error_and_retry_converts_it(
    start_host: StartHost, storage_connection_string: str
) -> None:
    failing = failed_conversion(start_host, firstName="Grace", lastName="Hopper", email="grace@example.com")
    channel_id, key, customer_id = failing.channel_id, failing.key, failing.customer_id
    api = start_host(queue_trigger=False)  # still no queue: only what was stored is listed

    failed = api.http.get(
        "/api/sync/operations", params={"status": "Failed", "channelId": channel_id}, headers=ADMIN
    )
    [operation] = failed.json()["items"]
    assert operation["customerId"] == customer_id and operation["kind"] == "CustomerCreate"
    assert operation["attempts"] == 1 and operation["lastError"]
    assert "Grace" not in json.dumps(operation) and "grace@" not in json.dumps(operation)
    assert api.http.get("/api/sync/status").json()["failedOperations"] >= 1

    api = start_host()  # the queue works again
    retried = api.http.post(f"/api/sync/operations/{operation['operationId']}/retry", headers=ADMIN)
    assert retried.status_code == 202
    wait_for(lambda: api.customer(channel_id, key, customer_id).json()["syncStatus"] == "Synced", timeout=15)
    done = api.http.get(
        "/api/sync/operations", params={"status": "Synced", "channelId": channel_id}, headers=ADMIN
    )
    [completed] = [op for op in done.json()["items"] if op["operationId"] == operation["operationId"]]
    assert completed["attempts"] == 2 and completed["completedAt"]
    again = api.http.post(f"/api/sync/operations/{operation['operationId']}/retry", headers=ADMIN)
    assert again.status_code == 409


def test_operations_list_is_admin_only_and_validates_its_filter(start_host: StartHost) -> None:
    api = start_host()
    _channel_id, key = api.new_channel()
    assert api.http.get("/api/sync/operations", headers=key).status_code == 403
    bad = api.http.get("/api/sync/operations", params={"status": "Done"}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert api.http.post("/api/sync/operations/nope/retry", headers=ADMIN).status_code == 404

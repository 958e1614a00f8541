"""Bad input and bad credentials get RFC 9457 problem+json naming the problem, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import person
from tests.support.inspection import channel_rows


@pytest.fixture
def api(start_host: StartHost) -> ApiClient:
    return start_host()


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["type"].endswith("/" + slug)
    assert problem["title"] and problem["detail"]
    return problem


def test_invalid_fields_are_named_and_nothing_is_written(
    api: ApiClient, storage_connection_string: str
) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    response = api.create_customer(
        channel_id, key, {"firstName": "", "lastName": "L", "email": "nope", "phone": "12", "shoeSize": 42}
    )
    problem = assert_problem(response, 422, "validation-error")
    assert {error["field"] for error in problem["errors"]} == {"firstName", "email", "phone", "shoeSize"}
    assert channel_rows(storage_connection_string, channel_id) == []


def test_malformed_json_is_400(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    response = api.http.post(
        f"/api/channels/{channel_id}/customers", content=b'{"firstName": "Ada",', headers=key
    )
    assert_problem(response, 400, "invalid-request")


def test_body_over_64_kib_is_413(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    response = api.create_customer(channel_id, key, person(title="x" * (65 * 1024)))
    assert_problem(response, 413, "payload-too-large")


def test_enhanced_fields_without_the_flag_name_the_flag(api: ApiClient) -> None:
    channel_id, key = api.new_channel(asyncCustomerCreation=True, enhancedAsyncCustomers=False)
    problem = assert_problem(
        api.create_customer(channel_id, key, person(title="Dr.")), 422, "validation-error"
    )
    assert problem["errors"][0]["field"] == "title"
    assert "enhancedAsyncCustomers" in problem["errors"][0]["message"]


def test_unknown_channel_is_404_for_admin(api: ApiClient) -> None:
    assert_problem(api.http.get("/api/channels/no-such-store", headers=ADMIN), 404, "channel-not-found")


def test_unknown_customer_is_404(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    assert_problem(api.customer(channel_id, key, "C999999999"), 404, "customer-not-found")
    assert_problem(
        api.customer(channel_id, key, "3f2b6c1e-7d1a-4c7e-9d43-1b2a3c4d5e6f"), 404, "customer-not-found"
    )


def test_channel_profile_validation(api: ApiClient) -> None:
    response = api.http.put("/api/channels/store-x1", json={"defaultCountry": "XX"}, headers=ADMIN)
    problem = assert_problem(response, 422, "validation-error")
    assert problem["errors"][0]["field"] == "defaultCountry"
    bad_id = assert_problem(
        api.http.put("/api/channels/Bad_Id", json={}, headers=ADMIN), 422, "validation-error"
    )
    assert bad_id["errors"][0]["field"] == "channelId"


def test_channel_defaults_follow_the_contract(api: ApiClient) -> None:
    channel_id, _ = api.new_channel()
    channel = api.http.get(f"/api/channels/{channel_id}", headers=ADMIN).json()
    assert channel == {
        "channelId": channel_id,
        "name": "Test store",
        "kind": "Store",
        "defaultCountry": "USA",
        "asyncCustomerCreation": False,
        "enhancedAsyncCustomers": True,
        "asyncCustomerAddresses": True,
        "filterSharedCustomerTables": False,
        "asyncCustomerEdits": False,
        "customerDefaults": {
            "customerGroup": None,
            "currency": None,
            "language": None,
            "receiptPreference": None,
        },
    }
    updated = api.http.put(f"/api/channels/{channel_id}", json={"asyncCustomerCreation": True}, headers=ADMIN)
    assert updated.status_code == 200
    assert updated.json()["asyncCustomerCreation"] is True and updated.json()["name"] == "Test store"


def test_missing_wrong_and_foreign_keys(api: ApiClient) -> None:
    channel_id, key = api.new_channel()
    _other_id, other_key = api.new_channel()
    assert_problem(api.create_customer(channel_id, {}, person()), 401, "unauthorized")
    assert_problem(
        api.create_customer(channel_id, {"Authorization": "Bearer nope"}, person()), 401, "unauthorized"
    )
    assert_problem(api.create_customer(channel_id, other_key, person()), 403, "forbidden")
    assert_problem(api.http.post("/api/sync/runs", headers=key), 403, "forbidden")
    assert_problem(api.http.put(f"/api/channels/{channel_id}", json={}, headers=key), 403, "forbidden")


def test_revoked_key_is_refused(api: ApiClient) -> None:
    channel_id, _ = api.new_channel()
    issued = api.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN).json()
    headers = {"Authorization": f"Bearer {issued['key']}"}
    assert api.create_customer(channel_id, headers, person()).status_code == 201
    revoked = api.http.delete(f"/api/channels/{channel_id}/keys/{issued['keyId']}", headers=ADMIN)
    assert revoked.status_code == 204
    assert_problem(api.create_customer(channel_id, headers, person()), 401, "unauthorized")


def test_unknown_route_or_method_is_the_hosts_empty_404(api: ApiClient) -> None:
    """No function of the app sees these: the Functions host answers them, with no body."""
    for method, path in (("GET", "/api/nothing-here"), ("DELETE", "/api/sync/status")):
        response = api.http.request(method, path)
        assert (response.status_code, response.content) == (404, b""), (method, path)

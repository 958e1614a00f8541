"""People sign in with Entra ID: admin routes take an access token of the tenant, checked against its
published signing keys, and each route needs its app role. A local OpenID configuration and key set
stand in for the tenant, with keys this test made."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.support.api import ADMIN, ApiClient
from tests.support.local_host import running_host
from tests.support.oidc import SigningKey, Tenant, local_tenant

OPERATOR, STEWARD, PRIVACY = "Sync.Operator", "Customers.Steward", "Privacy.Officer"
# One read per role, and the role it needs.
READS = {OPERATOR: "/api/sync/runs", STEWARD: "/api/duplicates", PRIVACY: "/api/audit"}


@pytest.fixture(scope="module")
def tenant() -> Iterator[Tenant]:
    with local_tenant() as made:
        yield made


@pytest.fixture(scope="module")
def api(storage_connection_string: str, tenant: Tenant) -> Iterator[ApiClient]:
    with running_host(storage_connection_string, **tenant.settings()) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem_of(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code, str(response.json()["type"]).rsplit("/", 1)[-1]


@pytest.mark.parametrize("role", [OPERATOR, STEWARD, PRIVACY])
def test_a_person_with_a_role_reaches_its_routes_and_no_others(
    api: ApiClient, tenant: Tenant, role: str
) -> None:
    token = tenant.token(role)
    for needed, path in READS.items():
        response = api.http.get(path, headers=bearer(token))
        if needed == role:
            assert response.status_code == 200, response.text
        else:
            assert problem_of(response) == (403, "role-required"), path


def test_a_token_without_the_role_is_forbidden_and_a_channel_key_never_passes(
    api: ApiClient, tenant: Tenant
) -> None:
    assert problem_of(api.http.get("/api/sync/runs", headers=bearer(tenant.token()))) == (
        403,
        "role-required",
    )
    _, channel_key = api.new_channel()
    assert problem_of(api.http.get("/api/sync/runs", headers=channel_key)) == (403, "forbidden")


def refused(api: ApiClient, token: str) -> tuple[int, str]:
    return problem_of(api.http.get("/api/sync/runs", headers=bearer(token)))


def without_claim(tenant: Tenant, claim: str) -> str:
    body: dict[str, Any] = jwt.decode(tenant.token(OPERATOR), options={"verify_signature": False})
    del body[claim]
    key = tenant.published[0]
    return jwt.encode(body, key.private, algorithm="RS256", headers={"kid": key.kid})


def test_tokens_that_are_not_the_tenants_for_this_app_now_are_refused(api: ApiClient, tenant: Tenant) -> None:
    now = int(time.time())
    cases: dict[str, str] = {
        "wrong audience": tenant.token(OPERATOR, aud="api://another-app"),
        "wrong issuer": tenant.token(OPERATOR, iss="https://login.microsoftonline.com/another/v2.0"),
        "expired": tenant.token(OPERATOR, iat=now - 7200, nbf=now - 7200, exp=now - 600),
        "not yet valid": tenant.token(OPERATOR, nbf=now + 600, exp=now + 7200),
        "alg none": tenant.unsigned(OPERATOR),
        "HMAC with the public key": tenant.hmac_with_public_key(OPERATOR),
        "signed by a key the tenant never published": tenant.token(OPERATOR, key=SigningKey.new()),
        "no expiry": without_claim(tenant, "exp"),
        "no audience": without_claim(tenant, "aud"),
    }
    for name, token in cases.items():
        assert refused(api, token) == (401, "unauthorized"), name
    assert api.http.get("/api/sync/runs", headers=bearer(tenant.token(OPERATOR))).status_code == 200


def test_a_key_the_tenant_rotates_in_is_fetched_when_a_token_names_it(api: ApiClient, tenant: Tenant) -> None:
    assert api.http.get("/api/sync/runs", headers=bearer(tenant.token(OPERATOR))).status_code == 200
    reads_before = tenant.key_reads
    rotated = tenant.rotate()
    response = api.http.get("/api/sync/runs", headers=bearer(tenant.token(OPERATOR, key=rotated)))
    assert response.status_code == 200, response.text
    assert tenant.key_reads == reads_before + 1  # fetched again once, for the unknown key id


def test_every_admin_change_is_in_the_audit_log_with_who_made_it(api: ApiClient, tenant: Tenant) -> None:
    steward = tenant.token(STEWARD, oid="0f3c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b")
    channel_id = f"store-{time.time_ns() % 10**12}"
    put = api.http.put(f"/api/channels/{channel_id}", json={"name": "Audited"}, headers=bearer(steward))
    assert put.status_code == 201, put.text
    issued = api.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN)
    assert issued.status_code == 201
    refused_change = api.http.put(
        f"/api/channels/{channel_id}", json={"name": "Audited"}, headers=bearer(tenant.token(OPERATOR))
    )
    assert refused_change.status_code == 403
    entries = api.http.get("/api/audit", params={"limit": "50"}, headers=bearer(tenant.token(PRIVACY)))
    assert entries.status_code == 200, entries.text
    mine = [entry for entry in entries.json()["items"] if channel_id in entry["target"]]
    assert [(entry["actor"], entry["action"], entry["target"]) for entry in mine] == [
        ("admin-key", "key.issue", f"channels/{channel_id}/keys/{issued.json()['keyId']}"),
        ("0f3c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b", "channel.put", f"channels/{channel_id}"),
    ]
    assert set(mine[0]) == {"at", "actor", "action", "target"}

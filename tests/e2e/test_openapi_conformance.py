"""Every operation of the app's own OpenAPI document answers as documented, whatever it is sent.

Schemathesis generates requests from `build_openapi()` (the document `GET /api/openapi.json`
serves, checked below) and sends them to the real function app in the local host, on Azurite.
Channel routes mostly get the id of one real channel, its key and refs of its real customers, so
the handlers behind the 401/403/404 paths run too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from devhost import LocalHost
from functions.openapi import build_openapi
from shared.domain.channel import is_valid_channel_id
from shared.services.dependencies import use_dependencies
from tests.e2e.conftest import NEVER, PROJECT_ROOT
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import TEST_ADMIN_KEY, make_dependencies, person, unique_channel_id

CHANNEL_ID = unique_channel_id("conformance")
SYNCED_CUSTOMER_ID = str(uuid.uuid4())
PENDING_CUSTOMER_ID = str(uuid.uuid4())

ADMIN_OPERATIONS = frozenset(
    {
        "putChannel",
        "issueChannelKey",
        "revokeChannelKey",
        "listSyncOperations",
        "retrySyncOperation",
        "runConversionBatch",
    }
)
OPEN_OPERATIONS = frozenset({"getSyncStatus", "getHealth", "getOpenApi"})

# JSON Schema cannot say that an e-mail must be deliverable-looking, a phone valid E.164 in the
# channel's country, a country code on the ISO list, a name non-blank after trimming, or that a
# Person needs first and last name: schema-valid bodies breaking those rules get a documented 422.
# "Valid data must be accepted" therefore cannot hold by design; every other default check runs.
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance]


@dataclass
class Fixtures:
    """What the conformance run pins generated requests to; filled once the host is up."""

    channel_key: dict[str, str] = field(default_factory=dict)
    customer_refs: list[str] = field(default_factory=list)
    operation_ids: list[str] = field(default_factory=list)


FIXTURES = Fixtures()

schema = schemathesis.openapi.from_dict(
    build_openapi(),
    config=SchemathesisConfig.from_dict(
        {
            # The test sends real credentials itself; generated `Authorization` values, valid or
            # not, would be replaced by them and then count as "invalid data accepted".
            "generation": {"with-security-parameters": False},
        }
    ),
)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Most cases use the real channel, customer and operation; the rest keep what was generated."""
    if not path_parameters:
        return st.just(path_parameters)
    pinned: dict[str, st.SearchStrategy[Any]] = {}
    # Only values the schema allows are replaced: a deliberately invalid one must reach the app.
    channel_id = path_parameters.get("channelId")
    if isinstance(channel_id, str) and is_valid_channel_id(channel_id):
        pinned["channelId"] = st.sampled_from([CHANNEL_ID] * 4 + [channel_id])
    ref = path_parameters.get("ref")
    if isinstance(ref, str) and FIXTURES.customer_refs:
        pinned["ref"] = st.sampled_from([*FIXTURES.customer_refs, ref])
    operation_id = path_parameters.get("operationId")
    if isinstance(operation_id, str) and FIXTURES.operation_ids:
        pinned["operationId"] = st.sampled_from([*FIXTURES.operation_ids, operation_id])
    return st.fixed_dictionaries(pinned).map(lambda chosen: {**path_parameters, **chosen})


@pytest.fixture(scope="module")
def conformance_host(storage_connection_string: str) -> Iterator[ApiClient]:
    """One host for the module, with one channel, its key, a synced and a pending customer."""
    use_dependencies(make_dependencies(storage_connection_string))
    host = LocalHost(
        script_root=PROJECT_ROOT,
        port=0,
        settings={
            "AzureWebJobsStorage": storage_connection_string,
            "ADMIN_API_KEY": TEST_ADMIN_KEY,
            "CONVERSION_SCHEDULE": NEVER,
            # The offline customer stays pending until a generated `POST /sync/runs` converts it.
            "AzureWebJobs.convert_customer.Disabled": "true",
        },
    )
    host.start()
    api = ApiClient(host.base_url)
    try:
        _create_fixtures(api)
        yield api
    finally:
        api.close()
        host.stop()
        use_dependencies(None)


def _create_fixtures(api: ApiClient) -> None:
    created = api.http.put(f"/api/channels/{CHANNEL_ID}", json={"name": "Conformance store"}, headers=ADMIN)
    assert created.status_code == 201, created.text
    issued = api.http.post(f"/api/channels/{CHANNEL_ID}/keys", headers=ADMIN)
    assert issued.status_code == 201, issued.text
    key = {"Authorization": f"Bearer {issued.json()['key']}"}
    synced = api.create_customer(CHANNEL_ID, key, person(customerId=SYNCED_CUSTOMER_ID))
    assert synced.status_code == 201, synced.text
    if synced.json()["syncStatus"] != "Synced":
        assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    account_number = api.customer(CHANNEL_ID, key, SYNCED_CUSTOMER_ID).json()["accountNumber"]
    assert account_number, "the synced customer has no account number"
    offline = api.http.post(
        f"/api/channels/{CHANNEL_ID}/offline-customers",
        json={"customers": [person(customerId=PENDING_CUSTOMER_ID, firstName="Grace", lastName="Hopper")]},
        headers=key,
    )
    assert offline.status_code == 200 and offline.json()["results"][0]["status"] == 201, offline.text
    FIXTURES.channel_key = key
    FIXTURES.customer_refs = [SYNCED_CUSTOMER_ID, account_number, PENDING_CUSTOMER_ID]
    FIXTURES.operation_ids = [f"{CHANNEL_ID}_{PENDING_CUSTOMER_ID}", f"{CHANNEL_ID}_{SYNCED_CUSTOMER_ID}"]


def _credentials(operation_id: str) -> dict[str, str]:
    if operation_id in ADMIN_OPERATIONS:
        return dict(ADMIN)
    if operation_id in OPEN_OPERATIONS:
        return {}
    return dict(FIXTURES.channel_key)


def test_served_document_is_the_one_under_test(conformance_host: ApiClient) -> None:
    response = conformance_host.http.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == build_openapi()


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_answers_as_documented(case: Any, conformance_host: ApiClient) -> None:
    case.call_and_validate(
        base_url=conformance_host.base_url,
        headers=_credentials(case.operation.definition.raw["operationId"]),
        excluded_checks=EXCLUDED_CHECKS,
    )

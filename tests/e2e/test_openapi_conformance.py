"""Every operation of the app's own OpenAPI document answers as documented, whatever it is sent.

Schemathesis generates requests from `build_openapi(function_app.app)` (the document `GET /api/openapi.json`
serves, checked below) and sends them to the real function app in the local host, on Azurite.
Most requests to channel routes carry the id of one real channel, its key and the refs of its real
customers, so the handlers behind the 401/403/404 answers run too.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
)

import function_app
from functions.openapi import build_openapi
from shared.domain.channel import is_valid_channel_id
from tests.support.api import ADMIN, ApiClient
from tests.support.builders import person, unique_channel_id
from tests.support.local_host import running_host

DOCUMENT = build_openapi(function_app.app)

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

# JSON Schema cannot say that an e-mail must look deliverable, a phone be valid E.164 in the
# channel's country, a country code be on the ISO list, a name be non-blank after trimming, or a
# Person have first and last name: schema-valid bodies breaking those rules get a documented 422,
# so "valid data is accepted" cannot hold by design. A method a route does not declare never reaches
# the app: the Functions host answers it with an empty 404, not 405. Every other default check runs.
EXCLUDED_CHECKS: list[CheckFunction] = [positive_data_acceptance, unsupported_method]

# The offline upload answers 200 and rejects bad records one by one, so a body with
# a schema-invalid record is not rejected as a whole; `_check_offline_results` checks it per record.
PER_RECORD_OPERATIONS = frozenset({"uploadOfflineCustomers"})

schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=SchemathesisConfig.from_dict(
        {
            # The test sends real credentials itself; a generated `Authorization` value would be
            # replaced by them and the request then count as "invalid data accepted".
            "generation": {"with-security-parameters": False},
            # 412 (If-Match) and 413 (body or record count too large) are rejections too.
            "checks": {
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
                }
            },
        }
    ),
)


@dataclass(frozen=True)
class ConformanceRun:
    """The host and the real data generated requests are pointed at."""

    api: ApiClient
    channel_id: str
    channel_key: dict[str, str]
    customer_refs: tuple[str, ...]
    operation_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def conformance_run(storage_connection_string: str) -> Iterator[ConformanceRun]:
    """One host for the module, with a channel, its key, a synced and a pending customer."""
    # The offline customer stays pending until a generated `POST /sync/runs` converts it.
    with running_host(storage_connection_string, queue_trigger=False) as api:
        yield _create_run(api)


def _create_run(api: ApiClient) -> ConformanceRun:
    channel_id = unique_channel_id("conformance")
    created = api.http.put(f"/api/channels/{channel_id}", json={"name": "Conformance store"}, headers=ADMIN)
    assert created.status_code == 201, created.text
    issued = api.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN)
    assert issued.status_code == 201, issued.text
    key = {"Authorization": f"Bearer {issued.json()['key']}"}

    synced_id, pending_id = str(uuid.uuid4()), str(uuid.uuid4())
    synced = api.create_customer(channel_id, key, person(customerId=synced_id))
    assert synced.status_code == 201, synced.text
    if synced.json()["syncStatus"] != "Synced":  # HQ was slow: the create fell back to async
        assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    account_number = api.customer(channel_id, key, synced_id).json()["accountNumber"]
    assert account_number, "the synced customer has no account number"
    offline = api.http.post(
        f"/api/channels/{channel_id}/offline-customers",
        json={"customers": [person(customerId=pending_id, firstName="Grace", lastName="Hopper")]},
        headers=key,
    )
    assert offline.status_code == 200 and offline.json()["results"][0]["status"] == 201, offline.text
    return ConformanceRun(
        api=api,
        channel_id=channel_id,
        channel_key=key,
        customer_refs=(synced_id, account_number, pending_id),
        operation_ids=(f"{channel_id}_{pending_id}", f"{channel_id}_{synced_id}"),
    )


def _spread(case: Any) -> int:
    """A number 0-9 fixed by the generated values, so a replayed or shrunk case is pinned alike."""
    generated = repr((case.path_parameters, case.query, case.headers, case.body))
    return zlib.crc32(generated.encode("utf-8", "surrogatepass")) % 10


def _point_at_real_data(case: Any, run: ConformanceRun) -> None:
    """Eight cases in ten go to the real channel; refs and operation ids are real three in four.

    Only values the schema allows are replaced: a deliberately invalid one still reaches the app.
    """
    spread = _spread(case)
    parameters = case.path_parameters or {}
    channel_id = parameters.get("channelId")
    if isinstance(channel_id, str) and is_valid_channel_id(channel_id) and spread < 8:
        parameters["channelId"] = run.channel_id
    if isinstance(parameters.get("ref"), str) and spread % 4 != 3:
        parameters["ref"] = run.customer_refs[spread % len(run.customer_refs)]
    if isinstance(parameters.get("operationId"), str) and spread % 4 != 3:
        parameters["operationId"] = run.operation_ids[spread % len(run.operation_ids)]


# What JSON Schema cannot constrain, put right in half the schema-valid bodies so creates, edits
# and uploads also succeed; the JSON types the generator chose are kept.
_VALID_STRINGS = {"email": "ada@example.com", "phone": "+442071234567"}
_VALID_LISTS = {"additionalEmails": "grace@example.com", "additionalPhones": "+12065550100"}
_NAMES_BY_TYPE = {"Person": ("firstName", "lastName"), "Organization": ("organizationName",)}


def _with_business_rules_met(customer: dict[str, Any], *, needs_names: bool) -> None:
    for name, value in _VALID_STRINGS.items():
        if isinstance(customer.get(name), str):
            customer[name] = value
    for name, value in _VALID_LISTS.items():
        if isinstance(customer.get(name), list):
            customer[name] = [value] * len(customer[name])
    for address in customer.get("addresses") or []:
        if isinstance(address, dict) and isinstance(address.get("countryRegionId"), str):
            address["countryRegionId"] = "FRA"
    kind = customer.get("customerType", "Person")
    for name in _NAMES_BY_TYPE.get(kind, ()) if needs_names else ():
        if not isinstance(customer.get(name), str) or not customer[name].strip():
            customer[name] = "Ada"


def _meet_business_rules(case: Any, operation_id: str) -> None:
    body = case.body
    if case.meta is None or not case.meta.generation.mode.is_positive or not isinstance(body, dict):
        return
    if _spread(case) % 2:
        return
    if operation_id in ("createCustomer", "editCustomer"):
        _with_business_rules_met(body, needs_names=operation_id == "createCustomer")
    elif operation_id == "addCustomerAddress" and isinstance(body.get("countryRegionId"), str):
        body["countryRegionId"] = "DEU"
    elif operation_id == "uploadOfflineCustomers":
        for record in body.get("customers") or []:
            if isinstance(record, dict):
                _with_business_rules_met(record, needs_names=True)
                if not isinstance(record.get("customerId"), str):
                    record["customerId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, repr(sorted(record))))


def _credentials(operation_id: str, run: ConformanceRun) -> dict[str, str]:
    if operation_id in ADMIN_OPERATIONS:
        return dict(ADMIN)
    if operation_id in OPEN_OPERATIONS:
        return {}
    return dict(run.channel_key)


_CUSTOMER_CREATE = jsonschema_rs.validator_for(
    {"$ref": "#/components/schemas/CustomerCreate", "components": DOCUMENT["components"]}
)


def _check_offline_results(body: Any, answer: dict[str, Any]) -> None:
    """A 200 reports each uploaded record once, in order; a schema-invalid record is rejected."""
    assert isinstance(body, dict) and set(body) == {"customers"}, body
    records = body["customers"]
    assert isinstance(records, list) and 1 <= len(records) <= 100
    results = answer["results"]
    assert len(results) == len(records)
    for record, result in zip(records, results, strict=True):
        if result["status"] in (200, 201):
            assert result["customer"] is not None and result.get("problem") is None, result
            assert _CUSTOMER_CREATE.is_valid(record), f"schema-invalid record accepted: {record!r}"
        else:
            assert 400 <= result["status"] < 500, result
            assert result["problem"]["status"] == result["status"], result


def test_served_document_is_the_one_under_test(conformance_run: ConformanceRun) -> None:
    response = conformance_run.api.http.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == DOCUMENT


def test_an_empty_status_filter_is_no_filter_as_the_host_drops_it(conformance_run: ConformanceRun) -> None:
    """The Functions host removes `?status=` before the app sees it: the list comes unfiltered."""
    response = conformance_run.api.http.get("/api/sync/operations", params={"status": ""}, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["items"], "unfiltered, the list holds the channel's operations"


@pytest.mark.parametrize("status", ["failed", "PENDING"])
def test_operation_status_filter_takes_only_the_documented_values(
    conformance_run: ConformanceRun, status: str
) -> None:
    """The document's enum is `Pending | Synced | Failed`; anything else is refused, not ignored."""
    response = conformance_run.api.http.get("/api/sync/operations", params={"status": status}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == ["status"]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_answers_as_documented(case: Any, conformance_run: ConformanceRun) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    _meet_business_rules(case, operation_id)
    _point_at_real_data(case, conformance_run)
    per_record = operation_id in PER_RECORD_OPERATIONS
    response = case.call_and_validate(
        base_url=conformance_run.api.base_url,
        headers=_credentials(operation_id, conformance_run),
        excluded_checks=[*EXCLUDED_CHECKS, negative_data_rejection] if per_record else EXCLUDED_CHECKS,
    )
    if per_record and response.status_code == 200:
        _check_offline_results(case.body, response.json())

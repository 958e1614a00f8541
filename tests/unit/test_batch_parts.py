"""The multipart body of a batch, written directly, is byte for byte the one azure-core's e-mail
generator writes: for change sets of creates, updates with ETags, merges and deletes."""

from __future__ import annotations

import json

import pytest
from azure.core.rest import HttpRequest

from shared.storage import batch_parts

BASE = "http://127.0.0.1:10002/devstoreaccount1"


def batch(parts: int, *, with_delete: bool) -> HttpRequest:
    requests = []
    for number in range(parts):
        body = json.dumps({"PartitionKey": "store-1", "RowKey": f"customer|{number}", "Name": "Inès Müller"})
        requests.append(
            HttpRequest(
                "PATCH" if number % 2 else "POST",
                f"{BASE}/ChannelCustomers(PartitionKey='store-1',RowKey='customer%7C{number}')",
                headers={
                    "Content-Type": "application/json;odata=nometadata",
                    "Accept": "application/json;odata=minimalmetadata",
                    "If-Match": "W/\"datetime'2026-12-05T09%3A30%3A00.1Z'\"",
                    "Prefer": "return-no-content",
                },
                content=body.encode(),
            )
        )
    if with_delete:
        requests.append(
            HttpRequest(
                "DELETE",
                f"{BASE}/ChannelCustomers(PartitionKey='store-1',RowKey='x')",
                headers={"If-Match": "*"},
            )
        )
    change_set = HttpRequest("POST", f"{BASE}/$batch")
    change_set.set_multipart_mixed(*requests, boundary="changeset_8128b620-b4bb-458c-a177-0959fb14c977")
    request = HttpRequest("POST", f"{BASE}/$batch", headers={"x-ms-version": "2019-02-02"})
    request.set_multipart_mixed(change_set, boundary="batch_a10ed678-64b0-45fc-9f4c-8a1d5a1e4d1a")
    return request


@pytest.mark.parametrize(("parts", "with_delete"), [(1, False), (2, True), (7, True), (100, False)])
def test_the_body_written_directly_is_the_generators(parts: int, with_delete: bool) -> None:
    generated, direct = batch(parts, with_delete=with_delete), batch(parts, with_delete=with_delete)
    assert (
        batch_parts._GENERATED_BODY(generated, 0)
        == batch_parts.multipart_body(direct, 0)
        == parts + with_delete
    )
    assert direct.content == generated.content
    assert direct.headers["Content-Type"] == generated.headers["Content-Type"]

"""Data subject requests, in the channel account, and the `privacy-requests` queue that works them.

PrivacyRequests   PartitionKey "request", RowKey <requestId> (sorts by when it came: the oldest,
                  due soonest, first); the request's state under its ETag
"""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.privacy import PrivacyMessage, PrivacyRequest
from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import RecordChanged

REQUESTS_TABLE = "PrivacyRequests"
REQUEST_PARTITION = "request"
PRIVACY_QUEUE = "privacy-requests"


class PrivacyRequestTable:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def _table(self) -> TableClient:
        return self._account.table(REQUESTS_TABLE)

    def add(self, request: PrivacyRequest) -> None:
        with translate_storage_errors():
            self._table().create_entity(_entity(request))

    def get(self, request_id: str) -> tuple[PrivacyRequest, str] | None:
        with translate_storage_errors():
            try:
                row = self._table().get_entity(REQUEST_PARTITION, request_id)
            except ResourceNotFoundError:
                return None
        return _request(row), str(row.metadata["etag"])

    def save(self, request: PrivacyRequest, *, version: str) -> str:
        """Stores the request if it is as read; `RecordChanged` when another worker moved it."""
        with translate_storage_errors():
            try:
                metadata = self._table().update_entity(
                    _entity(request),
                    mode=UpdateMode.REPLACE,
                    etag=version,
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                raise RecordChanged(f"Privacy request {request.request_id} changed") from None
        return str(metadata["etag"])

    def listed(self, *, status: str | None, after: str | None, limit: int) -> list[PrivacyRequest]:
        query = "PartitionKey eq @pk and RowKey gt @after"
        parameters: dict[str, Any] = {"pk": REQUEST_PARTITION, "after": after or ""}
        if status is not None:
            query += " and Status eq @status"
            parameters["status"] = status
        with translate_storage_errors():
            rows = self._table().query_entities(
                query, parameters=parameters, results_per_page=min(limit, 1000)
            )
            found = []
            for row in rows:
                found.append(_request(row))
                if len(found) >= limit:
                    break
        return found


def _entity(request: PrivacyRequest) -> dict[str, Any]:
    return {
        "PartitionKey": REQUEST_PARTITION,
        "RowKey": request.request_id,
        "Status": request.status.value,
        "Request": request.model_dump_json(),
    }


def _request(row: Any) -> PrivacyRequest:
    return PrivacyRequest.model_validate_json(row["Request"])


class PrivacyQueue:
    """`privacy-requests`: a message asks for one request to be worked."""

    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def send(self, request_id: str, *, delay_seconds: int = 0) -> None:
        with translate_storage_errors():
            self._account.queue(PRIVACY_QUEUE).send_message(
                PrivacyMessage(request_id=request_id).to_json(), visibility_timeout=delay_seconds or None
            )

"""Data subject requests: received, worked by the app itself (the `privacy-requests` queue, and the
timer for any a lost message left), and answered.

Working a request can be repeated: a worker that stops half-way leaves it `Running`, and the next
attempt does it again from the start (an export reads, an erasure finds done what was done).
"""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from datetime import timedelta
from typing import Any

from shared.domain.errors import DomainError, NotFound, PrivacyRequestNotReady
from shared.domain.paging import keyset_page, read_after
from shared.domain.privacy import (
    ExportDocument,
    PrivacyRequest,
    PrivacyRequestCreate,
    PrivacyRequestPage,
    RequestKind,
    RequestStatus,
)
from shared.domain.validation import parse_model
from shared.services.dependencies import Dependencies
from shared.services.erasure import erase_person
from shared.services.person import resolve_person
from shared.services.privacy_export import counted, export_document
from shared.storage.ports import RecordChanged

logger = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"[0-9a-f]{13}-[0-9a-f]{12}")
DEFAULT_REQUEST_PAGE = 50
STALLED_AFTER = timedelta(minutes=10)  # far longer than the longest request takes
MAX_REQUEST_PAGE = 200


def submit_request(dependencies: Dependencies, body: Any) -> PrivacyRequest:
    request = PrivacyRequest.received(parse_model(PrivacyRequestCreate, body), at=dependencies.clock())
    dependencies.privacy_requests.add(request)
    try:
        dependencies.privacy_queue.send(request.request_id)
    except DomainError as error:  # the request is stored: the timer works it
        logger.warning("Could not queue privacy request %s: %s", request.request_id, error.code)
    logger.info("Privacy request %s (%s) received", request.request_id, request.kind.value)
    return request


def get_request(dependencies: Dependencies, request_id: str) -> PrivacyRequest:
    found = dependencies.privacy_requests.get(request_id) if REQUEST_ID.fullmatch(request_id) else None
    if found is None:
        raise NotFound(f"No privacy request '{request_id}'")
    return found[0]


def list_requests(
    dependencies: Dependencies, *, status: RequestStatus | None, limit: int, cursor: str | None
) -> PrivacyRequestPage:
    found = dependencies.privacy_requests.listed(
        status=status.value if status else None, after=read_after(cursor), limit=limit + 1
    )
    items, next_cursor = keyset_page(found, limit, lambda request: request.request_id)
    return PrivacyRequestPage(items=items, next_cursor=next_cursor)


def work_request(dependencies: Dependencies, request_id: str) -> PrivacyRequest | None:
    """Does the request, unless it is done; answers it as it stands after."""
    found = dependencies.privacy_requests.get(request_id)
    if found is None or not found[0].open:
        return found[0] if found else None
    request, version = found
    request = request.started(dependencies.clock())
    try:
        version = dependencies.privacy_requests.save(request, version=version)
    except RecordChanged:
        return None  # another worker has it
    try:
        person = resolve_person(dependencies, request.customer)
        if person is None:
            done = request.failed("customer-not-found", at=dependencies.clock())
        elif request.kind is RequestKind.EXPORT:
            done = request.completed(
                counted(export_document(dependencies, request, person)), at=dependencies.clock()
            )
        else:
            done = request.completed(erase_person(dependencies, person), at=dependencies.clock())
    except Exception as error:
        code = error.code if isinstance(error, DomainError) else type(error).__name__
        with suppress(RecordChanged, DomainError):  # the next attempt goes on whatever this says
            dependencies.privacy_requests.save(request.stopped(code), version=version)
        raise
    dependencies.privacy_requests.save(done, version=version)
    logger.info("Privacy request %s: %s", request_id, done.status.value)
    return done


def export_of(dependencies: Dependencies, request_id: str) -> ExportDocument:
    request = get_request(dependencies, request_id)
    if request.kind is not RequestKind.EXPORT or request.status is not RequestStatus.COMPLETED:
        raise PrivacyRequestNotReady(
            f"Privacy request '{request_id}' is a completed export only once it is done"
        )
    person = resolve_person(dependencies, request.customer)
    if person is None:
        raise NotFound(f"Privacy request '{request_id}' names nobody held now")
    return export_document(dependencies, request, person)


def sweep_requests(dependencies: Dependencies) -> int:
    """The timer's part: an open request nobody is working goes back to the queue (its message, or
    the worker that had it, was lost); answers how many."""
    sent = 0
    now = dependencies.clock()
    try:
        for status in (RequestStatus.RECEIVED, RequestStatus.RUNNING):
            for request in dependencies.privacy_requests.listed(status=status.value, after=None, limit=500):
                if request.stalled(now, after=STALLED_AFTER):
                    dependencies.privacy_queue.send(request.request_id)
                    sent += 1
    except DomainError as error:
        logger.warning("Could not look for open privacy requests: %s", error.code)
    return sent

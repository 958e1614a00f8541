"""Data subject requests, for the privacy officer, and the `privacy-requests` queue that works them."""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import ValidationError

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint, paging
from functions.http_api import json_response, read_json_body
from shared.bootstrap import AppDependencies
from shared.domain.privacy import (
    ExportDocument,
    PrivacyMessage,
    PrivacyRequest,
    PrivacyRequestCreate,
    PrivacyRequestPage,
    RequestStatus,
)
from shared.domain.roles import Role
from shared.services.privacy_requests import (
    DEFAULT_REQUEST_PAGE,
    MAX_REQUEST_PAGE,
    export_of,
    get_request,
    list_requests,
    submit_request,
    work_request,
)
from shared.storage.privacy_requests import PRIVACY_QUEUE
from shared.telemetry import invocation

logger = logging.getLogger(__name__)


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="privacy/requests", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "submitPrivacyRequest",
            "Ask for everything held about a person (export) or for the person to be erased; the app "
            "works it and answers within 30 days (dueBy)",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            audit="privacy.request",
            body=PrivacyRequestCreate,
            answers={202: Answer(PrivacyRequest, "Received")},
            problems=(400, 401, 403, 413, 422),
        ),
    )
    def post_privacy_request(call: Call) -> func.HttpResponse:
        return json_response(submit_request(call.dependencies, read_json_body(call.request)), status=202)

    @routes.route(route="privacy/requests", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listPrivacyRequests",
            "Data subject requests, the oldest (due soonest) first",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            parameters=(
                Parameter("status", "query", RequestStatus),
                *paging(high=MAX_REQUEST_PAGE, default=DEFAULT_REQUEST_PAGE),
            ),
            answers={200: Answer(PrivacyRequestPage)},
            problems=(401, 403, 422),
        ),
    )
    def get_privacy_requests(call: Call) -> func.HttpResponse:
        return json_response(list_requests(call.dependencies, status=call.query("status"), **call.page()))

    @routes.route(route="privacy/requests/{requestId}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getPrivacyRequest",
            "One data subject request: where it stands, and what it read or removed, counted",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            answers={200: Answer(PrivacyRequest)},
            problems=(401, 403, 404),
        ),
    )
    def get_privacy_request(call: Call) -> func.HttpResponse:
        return json_response(get_request(call.dependencies, call.route("requestId")))

    @routes.route(route="privacy/requests/{requestId}/export", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getPrivacyExport",
            "Everything held about the person of a completed export, as one JSON document (each "
            "reading is recorded in the audit log)",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            audit="privacy.export.read",
            answers={200: Answer(ExportDocument)},
            problems=(401, 403, 404, 409),
        ),
    )
    def get_privacy_export(call: Call) -> func.HttpResponse:
        return json_response(export_of(call.dependencies, call.route("requestId")))

    @routes.function_name(name="work_privacy_request")
    @routes.queue_trigger(arg_name="msg", queue_name=PRIVACY_QUEUE, connection="AzureWebJobsStorage")
    def work_privacy_request(msg: func.QueueMessage, context: func.Context) -> None:
        """Failing here makes the host retry the message; the timer sends open requests again."""
        with invocation(context.invocation_id):
            try:
                message = PrivacyMessage.model_validate_json(msg.get_body())
            except ValidationError:
                logger.error("Message %s on %s is not a privacy request; dropped", msg.id, PRIVACY_QUEUE)
                return
            work_request(app(), message.request_id)

    return routes

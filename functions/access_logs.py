"""The access log, for the privacy officer: per person and per channel key."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, endpoint, paging
from functions.http_api import json_response
from shared.bootstrap import AppDependencies
from shared.domain.access_log import AccessPage
from shared.domain.roles import Role
from shared.services.access_log import (
    DEFAULT_ACCESS_PAGE,
    MAX_ACCESS_PAGE,
    key_access_log,
    person_access_log,
)


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="customers/{ref}/access-log", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listCustomerAccessLog",
            "Every read and change of one person through a channel key, newest first, across every "
            "GUID and account number of theirs",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            parameters=paging(high=MAX_ACCESS_PAGE, default=DEFAULT_ACCESS_PAGE),
            answers={200: Answer(AccessPage)},
            problems=(401, 403, 404, 422),
        ),
    )
    def get_customer_access_log(call: Call) -> func.HttpResponse:
        return json_response(person_access_log(call.dependencies, ref=call.route("ref"), **call.page()))

    @routes.route(route="channels/{channelId}/keys/{keyId}/access-log", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listKeyAccessLog",
            "Every read and change one channel key made, newest first",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            parameters=paging(high=MAX_ACCESS_PAGE, default=DEFAULT_ACCESS_PAGE),
            answers={200: Answer(AccessPage)},
            problems=(401, 403, 422),
        ),
    )
    def get_key_access_log(call: Call) -> func.HttpResponse:
        page = key_access_log(
            call.dependencies, channel_id=call.route("channelId"), key_id=call.route("keyId"), **call.page()
        )
        return json_response(page)

    return routes

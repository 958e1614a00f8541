"""Customer events for the rest of the retailer: the change feed."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint
from functions.http_api import json_response
from shared.bootstrap import AppDependencies
from shared.domain.events import ChangePage
from shared.domain.roles import Role
from shared.services.change_feed import DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE, read_changes


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="changes", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listChanges",
            "Every customer event, as CloudEvents in publishing order; follow nextCursor to see each "
            "at least once and each account's in sequence order",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            parameters=(
                Parameter.whole_number("limit", high=MAX_CHANGES_PAGE, default=DEFAULT_CHANGES_PAGE),
                Parameter("after", "query"),
            ),
            answers={200: Answer(ChangePage)},
            problems=(401, 403, 422),
        ),
    )
    def list_changes(call: Call) -> func.HttpResponse:
        return json_response(
            read_changes(call.dependencies, after=call.query("after"), limit=call.query("limit"))
        )

    return routes

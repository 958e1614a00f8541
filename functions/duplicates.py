"""Ops routes for duplicate candidates: list them, review, merge or dismiss one."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint, paging
from functions.http_api import json_response
from shared.bootstrap import AppDependencies
from shared.domain.duplicates import DuplicateCandidate, DuplicatePage, DuplicateStatus
from shared.domain.roles import Role
from shared.domain.survivorship import DuplicateReview
from shared.domain.views import CustomerPublic
from shared.services.duplicate_review import review_duplicate
from shared.services.duplicates import (
    DEFAULT_DUPLICATE_PAGE,
    MAX_DUPLICATE_PAGE,
    dismiss_duplicate,
    list_duplicates,
)
from shared.services.merging import merge_duplicate


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="duplicates", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listDuplicates",
            "Duplicate candidates, a page at a time in a stable order (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            parameters=(
                Parameter("status", "query", DuplicateStatus),
                *paging(high=MAX_DUPLICATE_PAGE, default=DEFAULT_DUPLICATE_PAGE),
            ),
            answers={200: Answer(DuplicatePage)},
            problems=(401, 403, 422),
        ),
    )
    def get_duplicates(call: Call) -> func.HttpResponse:
        page = list_duplicates(
            call.dependencies,
            status=call.query("status"),
            **call.page(),
        )
        return json_response(page)

    @routes.route(route="duplicates/{duplicateId}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "reviewDuplicate",
            "Both customers side by side, the conflicts, and exactly what a merge would leave (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            answers={200: Answer(DuplicateReview)},
            problems=(401, 403, 404),
        ),
    )
    def get_review(call: Call) -> func.HttpResponse:
        return json_response(review_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    @routes.route(route="duplicates/{duplicateId}/dismiss", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "dismissDuplicate",
            "Not the same customer: never flag this pair again (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="duplicate.dismiss",
            answers={200: Answer(DuplicateCandidate)},
            problems=(401, 403, 404, 409),
        ),
    )
    def post_dismiss(call: Call) -> func.HttpResponse:
        return json_response(dismiss_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    @routes.route(route="duplicates/{duplicateId}/merge", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "mergeDuplicate",
            "The same customer: merge the newer HQ customer into the older, the survivor (admin). "
            "Asking again is harmless and finishes a merge that stopped half-way",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="duplicate.merge",
            answers={200: Answer(CustomerPublic)},
            problems=(401, 403, 404, 409, 503),
        ),
    )
    def post_merge(call: Call) -> func.HttpResponse:
        return json_response(merge_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    return routes

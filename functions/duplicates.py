"""Ops routes for duplicate candidates: list them, review, merge or dismiss one."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func
from pydantic import Field

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint
from functions.http_api import json_response, query_whole_number
from shared.bootstrap import AppDependencies
from shared.domain.customer import CustomerPublic
from shared.domain.duplicates import DuplicateCandidate, DuplicatePage, DuplicateStatus
from shared.domain.survivorship import DuplicateReview
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

    @routes.function_name(name="list_duplicates")
    @routes.route(route="duplicates", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listDuplicates",
            "Duplicate candidates, a page at a time in a stable order (admin)",
            caller="admin",
            parameters=(
                Parameter("status", "query", DuplicateStatus),
                Parameter("limit", "query", Annotated[int, Field(ge=1, le=MAX_DUPLICATE_PAGE)]),
                Parameter("cursor", "query"),
            ),
            answers={200: Answer(DuplicatePage)},
            problems=(401, 403, 422),
        ),
    )
    def get_duplicates(call: Call) -> func.HttpResponse:
        page = list_duplicates(
            call.dependencies,
            status=call.request.params.get("status"),
            limit=query_whole_number(call.request, "limit", default=DEFAULT_DUPLICATE_PAGE),
            cursor=call.request.params.get("cursor"),
        )
        return json_response(page)

    @routes.function_name(name="review_duplicate")
    @routes.route(route="duplicates/{duplicateId}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "reviewDuplicate",
            "Both customers side by side, the conflicts, and exactly what a merge would leave (admin)",
            caller="admin",
            answers={200: Answer(DuplicateReview)},
            problems=(401, 403, 404),
        ),
    )
    def get_review(call: Call) -> func.HttpResponse:
        return json_response(review_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    @routes.function_name(name="dismiss_duplicate")
    @routes.route(route="duplicates/{duplicateId}/dismiss", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "dismissDuplicate",
            "Not the same customer: never flag this pair again (admin)",
            caller="admin",
            answers={200: Answer(DuplicateCandidate)},
            problems=(401, 403, 404, 409),
        ),
    )
    def post_dismiss(call: Call) -> func.HttpResponse:
        return json_response(dismiss_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    @routes.function_name(name="merge_duplicate")
    @routes.route(route="duplicates/{duplicateId}/merge", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "mergeDuplicate",
            "The same customer: merge the newer HQ customer into the older, the survivor (admin). "
            "Asking again is harmless and finishes a merge that stopped half-way",
            caller="admin",
            answers={200: Answer(CustomerPublic)},
            problems=(401, 403, 404, 409, 503),
        ),
    )
    def post_merge(call: Call) -> func.HttpResponse:
        return json_response(merge_duplicate(call.dependencies, duplicate_id=call.route("duplicateId")))

    return routes

"""The audit log of admin changes, for the privacy officer."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, endpoint, paging
from functions.http_api import json_response
from shared.bootstrap import AppDependencies
from shared.domain.audit import AuditPage
from shared.domain.roles import Role
from shared.services.audit import DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, list_audit


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="audit", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listAuditEntries",
            "Every admin change with who made it (an Entra ID object id, or admin-key), newest first",
            caller="admin",
            role=Role.PRIVACY_OFFICER,
            parameters=paging(high=MAX_AUDIT_PAGE, default=DEFAULT_AUDIT_PAGE),
            answers={200: Answer(AuditPage)},
            problems=(401, 403, 422),
        ),
    )
    def get_audit(call: Call) -> func.HttpResponse:
        return json_response(list_audit(call.dependencies, **call.page()))

    return routes

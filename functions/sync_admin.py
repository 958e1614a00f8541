"""Ops routes: synchronization status, on-demand conversion runs, and health."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint
from functions.http_api import json_response
from functions.responses import OperationList
from shared.bootstrap import AppDependencies
from shared.domain.operations import OperationState, SyncOperation
from shared.domain.roles import Role
from shared.domain.sync import HealthReport, RunList, RunSummary, SyncHistory, SyncStatusReport
from shared.services.access import acts_as
from shared.services.conversion_batch import run_conversion_batch
from shared.services.sync_history import (
    DEFAULT_HOURS,
    DEFAULT_RUNS,
    MAX_HOURS,
    MAX_RUNS,
    recent_runs,
    sync_history,
)
from shared.services.sync_operations import DEFAULT_LIMIT, MAX_LIMIT, list_operations, retry_operation
from shared.services.sync_status import health, sync_status


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="sync/status", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getSyncStatus",
            "Synchronization counters, as this instance read them at `asOf` (at most "
            "SYNC_STATUS_MAX_AGE_SECONDS ago); sent with the admin key, read now",
            caller="anyone",
            answers={200: Answer(SyncStatusReport)},
        ),
    )
    def get_sync_status(call: Call) -> func.HttpResponse:
        authorization = call.request.headers.get("Authorization")
        fresh = acts_as(call.dependencies, authorization=authorization, role=Role.SYNC_OPERATOR)
        return json_response(sync_status(call.dependencies, fresh=fresh))

    @routes.route(route="sync/runs", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "runConversionBatch",
            "Run the conversion batch now (admin)",
            caller="admin",
            role=Role.SYNC_OPERATOR,
            audit="sync.run",
            answers={200: Answer(RunSummary)},
            problems=(401, 403),
        ),
    )
    def post_sync_run(call: Call) -> func.HttpResponse:
        return json_response(run_conversion_batch(call.dependencies, trigger="manual"))

    @routes.route(route="sync/runs", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listConversionRuns",
            "The latest conversion batch runs, newest first (admin)",
            caller="admin",
            role=Role.SYNC_OPERATOR,
            parameters=(Parameter.whole_number("limit", high=MAX_RUNS, default=DEFAULT_RUNS),),
            answers={200: Answer(RunList)},
            problems=(401, 403, 422),
        ),
    )
    def get_sync_runs(call: Call) -> func.HttpResponse:
        return json_response(RunList(items=recent_runs(call.dependencies, limit=call.query("limit"))))

    @routes.route(route="sync/history", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getSyncHistory",
            "Backlog and conversions over the last hours, in 24 intervals (admin)",
            caller="admin",
            role=Role.SYNC_OPERATOR,
            parameters=(Parameter.whole_number("hours", high=MAX_HOURS, default=DEFAULT_HOURS),),
            answers={200: Answer(SyncHistory)},
            problems=(401, 403, 422),
        ),
    )
    def get_sync_history(call: Call) -> func.HttpResponse:
        return json_response(sync_history(call.dependencies, hours=call.query("hours")))

    @routes.route(route="health", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getHealth",
            "Storage and HQ reachability",
            caller="anyone",
            answers={200: Answer(HealthReport), 503: Answer(HealthReport, "Unhealthy")},
        ),
    )
    def get_health(call: Call) -> func.HttpResponse:
        report = health(call.dependencies)
        return json_response(report, status=200 if report.healthy else 503)

    @routes.route(route="sync/operations", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listSyncOperations",
            "Synchronization operations (admin)",
            caller="admin",
            role=Role.SYNC_OPERATOR,
            parameters=(
                Parameter("status", "query", OperationState),
                Parameter("channelId", "query"),
                Parameter.whole_number("limit", high=MAX_LIMIT, default=DEFAULT_LIMIT),
            ),
            answers={200: Answer(OperationList)},
            problems=(401, 403, 422),
        ),
    )
    def get_sync_operations(call: Call) -> func.HttpResponse:
        operations = list_operations(
            call.dependencies,
            status=call.query("status"),
            channel_id=call.query("channelId"),
            limit=call.query("limit"),
        )
        return json_response(OperationList(items=operations))

    @routes.route(route="sync/operations/{operationId}/retry", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "retrySyncOperation",
            "Retry one operation (admin)",
            caller="admin",
            role=Role.SYNC_OPERATOR,
            audit="operation.retry",
            answers={202: Answer(SyncOperation, "Accepted")},
            problems=(401, 403, 404, 409),
        ),
    )
    def post_sync_operation_retry(call: Call) -> func.HttpResponse:
        operation = retry_operation(call.dependencies, operation_id=call.route("operationId"))
        return json_response(operation, status=202)

    return routes

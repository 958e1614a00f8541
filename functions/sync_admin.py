"""Ops routes: synchronization status, on-demand conversion runs, and health."""

from __future__ import annotations

import azure.functions as func

from functions.caller import admin_caller
from functions.http_api import api_endpoint, json_response
from shared.domain.errors import FieldError, ValidationFailed
from shared.services.conversion_batch import run_conversion_batch
from shared.services.dependencies import current_dependencies
from shared.services.sync_operations import DEFAULT_LIMIT, list_operations, retry_operation
from shared.services.sync_status import health, sync_status

blueprint = func.Blueprint()


@blueprint.function_name(name="sync_status")
@blueprint.route(route="sync/status", methods=["GET"])
@api_endpoint
def get_sync_status(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(sync_status(current_dependencies()))


@blueprint.function_name(name="run_conversion_batch")
@blueprint.route(route="sync/runs", methods=["POST"])
@api_endpoint
def post_sync_run(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    return json_response(run_conversion_batch(dependencies, trigger="manual"))


@blueprint.function_name(name="health")
@blueprint.route(route="health", methods=["GET"])
@api_endpoint
def get_health(req: func.HttpRequest) -> func.HttpResponse:
    checks = health(current_dependencies())
    healthy = all(value == "ok" for value in checks.values())
    return json_response(
        {"status": "Healthy" if healthy else "Unhealthy", "checks": checks},
        status=200 if healthy else 503,
    )


@blueprint.function_name(name="list_sync_operations")
@blueprint.route(route="sync/operations", methods=["GET"])
@api_endpoint
def get_sync_operations(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    operations = list_operations(
        dependencies,
        status=req.params.get("status"),
        channel_id=req.params.get("channelId"),
        limit=_int_param(req.params.get("limit"), name="limit", default=DEFAULT_LIMIT),
    )
    return json_response({"items": [operation.model_dump(mode="json") for operation in operations]})


@blueprint.function_name(name="retry_sync_operation")
@blueprint.route(route="sync/operations/{operationId}/retry", methods=["POST"])
@api_endpoint
def post_sync_operation_retry(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    operation = retry_operation(dependencies, operation_id=req.route_params["operationId"])
    return json_response(operation, status=202)


def _int_param(value: str | None, *, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed([FieldError(name, "must be a whole number")]) from None

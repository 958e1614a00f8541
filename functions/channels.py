"""Admin routes: channel profiles and channel keys."""

from __future__ import annotations

import azure.functions as func

from functions.caller import admin_caller, channel_caller
from functions.http_api import api_endpoint, json_response, read_json_body
from shared.services.access import issue_channel_key, revoke_channel_key
from shared.services.channels import require_channel, save_channel

blueprint = func.Blueprint()


@blueprint.function_name(name="put_channel")
@blueprint.route(route="channels/{channelId}", methods=["PUT"])
@api_endpoint
def put_channel(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    channel_id = req.route_params["channelId"]
    body = read_json_body(req)
    channel, created = save_channel(dependencies, channel_id=channel_id, body=body)
    return json_response(channel.public(), status=201 if created else 200)


@blueprint.function_name(name="get_channel")
@blueprint.route(route="channels/{channelId}", methods=["GET"])
@api_endpoint
def get_channel(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req, admin_allowed=True)
    return json_response(require_channel(dependencies, channel_id).public())


@blueprint.function_name(name="issue_channel_key")
@blueprint.route(route="channels/{channelId}/keys", methods=["POST"])
@api_endpoint
def post_channel_key(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    issued = issue_channel_key(dependencies, channel_id=req.route_params["channelId"])
    return json_response(issued, status=201)


@blueprint.function_name(name="revoke_channel_key")
@blueprint.route(route="channels/{channelId}/keys/{keyId}", methods=["DELETE"])
@api_endpoint
def delete_channel_key(req: func.HttpRequest) -> func.HttpResponse:
    dependencies = admin_caller(req)
    revoke_channel_key(
        dependencies,
        channel_id=req.route_params["channelId"],
        key_id=req.route_params["keyId"],
    )
    return func.HttpResponse(status_code=204)

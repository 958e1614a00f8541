"""Admin routes: channel profiles and channel keys."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, endpoint
from functions.http_api import json_response, read_json_body
from shared.bootstrap import AppDependencies
from shared.domain.access import IssuedKey
from shared.domain.channel import Channel, ChannelUpsert
from shared.domain.key_reads import SuspendedKeys
from shared.domain.roles import Role
from shared.services.access import issue_channel_key, revoke_channel_key
from shared.services.channels import require_channel, save_channel
from shared.services.key_suspension import reinstate_key, suspended_keys


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="channels/{channelId}", methods=["PUT"])
    @endpoint(
        app,
        Operation(
            "putChannel",
            "Create or update a channel (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="channel.put",
            body=ChannelUpsert,
            answers={200: Answer(Channel, "Updated"), 201: Answer(Channel, "Created")},
            problems=(400, 401, 403, 413, 422),
        ),
    )
    def put_channel(call: Call) -> func.HttpResponse:
        channel, created = save_channel(
            call.dependencies, channel_id=call.route("channelId"), body=read_json_body(call.request)
        )
        return json_response(channel, status=201 if created else 200)

    @routes.route(route="channels/{channelId}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getChannel",
            "Read a channel",
            caller="channel-or-admin",
            role=Role.CUSTOMERS_STEWARD,
            answers={200: Answer(Channel)},
            problems=(401, 403, 404),
        ),
    )
    def get_channel(call: Call) -> func.HttpResponse:
        return json_response(require_channel(call.dependencies, call.channel))

    @routes.route(route="channels/{channelId}/keys", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "issueChannelKey",
            "Issue a channel key (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="key.issue",
            answers={201: Answer(IssuedKey, "Created")},
            problems=(401, 403, 404),
        ),
    )
    def post_channel_key(call: Call) -> func.HttpResponse:
        return json_response(
            issue_channel_key(call.dependencies, channel_id=call.route("channelId")), status=201
        )

    @routes.route(route="channels/{channelId}/keys/{keyId}", methods=["DELETE"])
    @endpoint(
        app,
        Operation(
            "revokeChannelKey",
            "Revoke a channel key (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="key.revoke",
            answers={204: Answer(None, "Revoked")},
            problems=(401, 403, 404),
        ),
    )
    def delete_channel_key(call: Call) -> func.HttpResponse:
        revoke_channel_key(call.dependencies, channel_id=call.route("channelId"), key_id=call.route("keyId"))
        return func.HttpResponse(status_code=204)

    @routes.route(route="channels/{channelId}/keys/{keyId}/reinstate", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "reinstateChannelKey",
            "Lift a key's suspension: it works again and its read count starts from nothing (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="key.reinstate",
            answers={204: Answer(None, "Reinstated")},
            problems=(401, 403, 404, 409),
        ),
    )
    def post_reinstate_key(call: Call) -> func.HttpResponse:
        reinstate_key(call.dependencies, channel_id=call.route("channelId"), key_id=call.route("keyId"))
        return func.HttpResponse(status_code=204)

    @routes.route(route="suspended-keys", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listSuspendedKeys",
            "The channel keys suspended for reading more distinct customers in an hour than "
            "KEY_READS_PER_HOUR (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            answers={200: Answer(SuspendedKeys)},
            problems=(401, 403),
        ),
    )
    def get_suspended_keys(call: Call) -> func.HttpResponse:
        return json_response(suspended_keys(call.dependencies))

    return routes

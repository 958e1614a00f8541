"""Customer events for the rest of the retailer: the change feed, webhooks, and the `customer-events`
queue that makes webhook deliveries."""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import ValidationError

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint, paging
from functions.http_api import json_response, read_json_body
from shared.bootstrap import AppDependencies
from shared.domain.events import ChangePage
from shared.domain.roles import Role
from shared.domain.webhooks import (
    DeliveryMessage,
    DeliveryPage,
    DeliveryStatus,
    ReplayRequest,
    ReplayStarted,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
)
from shared.services.change_feed import DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE, read_changes
from shared.services.webhook_delivery import deliver_account
from shared.services.webhooks import (
    DEFAULT_DELIVERY_PAGE,
    MAX_DELIVERY_PAGE,
    list_deliveries,
    list_webhooks,
    register_webhook,
    remove_webhook,
    replay,
)
from shared.storage.webhooks import DELIVERY_QUEUE
from shared.telemetry import invocation

logger = logging.getLogger(__name__)


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
        page = read_changes(call.dependencies, after=call.query("after"), limit=call.query("limit"))
        return json_response(page)

    @routes.route(route="webhooks", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "registerWebhook",
            "Register a webhook: its secret is in this answer only",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="webhook.register",
            body=WebhookCreate,
            answers={201: Answer(WebhookCreated, "Registered")},
            problems=(400, 401, 403, 413, 422),
        ),
    )
    def post_webhook(call: Call) -> func.HttpResponse:
        return json_response(register_webhook(call.dependencies, read_json_body(call.request)), status=201)

    @routes.route(route="webhooks", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listWebhooks",
            "Every webhook and its last hour: delivered, pending, failed, the oldest undelivered",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            answers={200: Answer(WebhookList)},
            problems=(401, 403),
        ),
    )
    def get_webhooks(call: Call) -> func.HttpResponse:
        return json_response(list_webhooks(call.dependencies))

    @routes.route(route="webhooks/{webhookId}", methods=["DELETE"])
    @endpoint(
        app,
        Operation(
            "removeWebhook",
            "Remove a webhook: nothing more is delivered to it",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="webhook.remove",
            answers={204: Answer(None, "Removed")},
            problems=(401, 403, 404),
        ),
    )
    def delete_webhook(call: Call) -> func.HttpResponse:
        remove_webhook(call.dependencies, call.route("webhookId"))
        return func.HttpResponse(status_code=204)

    @routes.route(route="webhooks/{webhookId}/deliveries", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listWebhookDeliveries",
            "A webhook's deliveries, by account and sequence",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            parameters=(
                Parameter("status", "query", DeliveryStatus),
                *paging(high=MAX_DELIVERY_PAGE, default=DEFAULT_DELIVERY_PAGE),
            ),
            answers={200: Answer(DeliveryPage)},
            problems=(401, 403, 404, 422),
        ),
    )
    def get_webhook_deliveries(call: Call) -> func.HttpResponse:
        page = list_deliveries(
            call.dependencies, call.route("webhookId"), status=call.query("status"), **call.page()
        )
        return json_response(page)

    @routes.route(route="webhooks/{webhookId}/replay", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "replayWebhook",
            "Deliver again every event the webhook wants published since a time, failed ones included",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="webhook.replay",
            body=ReplayRequest,
            answers={202: Answer(ReplayStarted, "Queued")},
            problems=(400, 401, 403, 404, 413, 422),
        ),
    )
    def post_webhook_replay(call: Call) -> func.HttpResponse:
        started = replay(call.dependencies, call.route("webhookId"), read_json_body(call.request))
        return json_response(started, status=202)

    @routes.function_name(name="deliver_customer_events")
    @routes.queue_trigger(arg_name="msg", queue_name=DELIVERY_QUEUE, connection="AzureWebJobsStorage")
    def deliver_customer_events(msg: func.QueueMessage, context: func.Context) -> None:
        """One webhook's deliveries of one account; failing makes the host retry the message."""
        with invocation(context.invocation_id):
            try:
                message = DeliveryMessage.model_validate_json(msg.get_body())
            except ValidationError:
                logger.error("Message %s on %s is not a delivery message; dropped", msg.id, DELIVERY_QUEUE)
                return
            deliver_account(app(), message.webhook_id, message.account_number)

    return routes

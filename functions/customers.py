"""Channel routes used by POS terminals and web checkouts to create, find and change customers."""

from __future__ import annotations

import azure.functions as func

from functions.caller import channel_caller
from functions.http_api import api_endpoint, json_response, problem_body, read_json_body
from shared.domain.errors import InvalidRequest
from shared.services.addresses import add_address
from shared.services.customers import create_customer, get_customer
from shared.services.edits import edit_customer
from shared.services.loyalty import issue_loyalty_card
from shared.services.offline_upload import OfflineResult, upload_offline_customers
from shared.services.search import search_customers

blueprint = func.Blueprint()

MAX_IDEMPOTENCY_KEY_LENGTH = 200


@blueprint.function_name(name="create_customer")
@blueprint.route(route="channels/{channelId}/customers", methods=["POST"])
@api_endpoint
def post_customer(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    body = read_json_body(req)
    result = create_customer(
        dependencies, channel_id=channel_id, body=body, idempotency_key=_idempotency_key(req)
    )
    location = f"/api/channels/{channel_id}/customers/{result.customer.customer_id}"
    return json_response(
        result.customer, status=201 if result.created else 200, headers={"Location": location}
    )


@blueprint.function_name(name="search_customers")
@blueprint.route(route="channels/{channelId}/customers", methods=["GET"])
@api_endpoint
def get_customers(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    found = search_customers(dependencies, channel_id=channel_id, text=req.params.get("search", ""))
    return json_response({"items": [customer.model_dump(mode="json", by_alias=True) for customer in found]})


@blueprint.function_name(name="get_customer")
@blueprint.route(route="channels/{channelId}/customers/{ref}", methods=["GET"])
@api_endpoint
def get_customer_by_ref(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    return json_response(get_customer(dependencies, channel_id=channel_id, ref=req.route_params["ref"]))


@blueprint.function_name(name="edit_customer")
@blueprint.route(route="channels/{channelId}/customers/{ref}", methods=["PATCH"])
@api_endpoint
def patch_customer(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    customer = edit_customer(
        dependencies,
        channel_id=channel_id,
        ref=req.route_params["ref"],
        body=read_json_body(req),
        if_match=req.headers.get("If-Match"),
    )
    return json_response(customer)


@blueprint.function_name(name="add_customer_address")
@blueprint.route(route="channels/{channelId}/customers/{ref}/addresses", methods=["POST"])
@api_endpoint
def post_customer_address(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    address = add_address(
        dependencies, channel_id=channel_id, ref=req.route_params["ref"], body=read_json_body(req)
    )
    return json_response(address, status=201)


@blueprint.function_name(name="issue_loyalty_card")
@blueprint.route(route="channels/{channelId}/customers/{ref}/loyalty-cards", methods=["POST"])
@api_endpoint
def post_loyalty_card(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    card = issue_loyalty_card(dependencies, channel_id=channel_id, ref=req.route_params["ref"])
    return json_response(card, status=201)


@blueprint.function_name(name="upload_offline_customers")
@blueprint.route(route="channels/{channelId}/offline-customers", methods=["POST"])
@api_endpoint
def post_offline_customers(req: func.HttpRequest) -> func.HttpResponse:
    dependencies, channel_id = channel_caller(req)
    results = upload_offline_customers(dependencies, channel_id=channel_id, body=read_json_body(req))
    instance = f"/api/channels/{channel_id}/offline-customers"
    return json_response({"results": [_offline_result(result, instance) for result in results]})


def _offline_result(result: OfflineResult, instance: str) -> dict[str, object]:
    rendered: dict[str, object] = {"customerId": result.customer_id, "status": result.status}
    if result.customer is not None:
        rendered["customer"] = result.customer.model_dump(mode="json", by_alias=True)
    if result.problem is not None:
        rendered["problem"] = problem_body(result.problem, instance)
    return rendered


def _idempotency_key(req: func.HttpRequest) -> str | None:
    header = req.headers.get("Idempotency-Key")
    if header is None:
        return None
    key = str(header).strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidRequest(f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    return key

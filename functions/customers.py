"""Channel routes used by POS terminals and web checkouts to create, find and change customers."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func
from pydantic import StringConstraints

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint, paging
from functions.http_api import json_response, problem_body, read_json_body
from functions.responses import OfflineResult, OfflineResults, OfflineUpload, Problem
from shared.bootstrap import AppDependencies
from shared.domain.address import Address, AddressCreate, AddressPage
from shared.domain.consent import ConsentHistory
from shared.domain.errors import InvalidRequest
from shared.domain.loyalty import LoyaltyCard
from shared.domain.profile import CustomerCreate, CustomerUpdate
from shared.domain.views import CustomerPage, CustomerPublic
from shared.services.addresses import add_address, list_addresses
from shared.services.consents import DEFAULT_CONSENT_PAGE, MAX_CONSENT_PAGE, consent_history
from shared.services.customer_views import DEFAULT_ADDRESS_PAGE, MAX_ADDRESS_PAGE
from shared.services.customers import create_customer, get_customer
from shared.services.edits import edit_customer
from shared.services.loyalty import issue_loyalty_card
from shared.services.offline_upload import OfflineOutcome, upload_offline_customers
from shared.services.search import DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, search_customers

MAX_IDEMPOTENCY_KEY_LENGTH = 200
IdempotencyKey = Annotated[str, StringConstraints(max_length=MAX_IDEMPOTENCY_KEY_LENGTH)]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="channels/{channelId}/customers", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "createCustomer",
            "Create a customer (sync, async or fallback)",
            caller="channel",
            body=CustomerCreate,
            parameters=(Parameter("Idempotency-Key", "header", IdempotencyKey),),
            answers={201: Answer(CustomerPublic, "Created"), 200: Answer(CustomerPublic, "Replayed")},
            problems=(400, 401, 403, 404, 409, 413, 422, 503),
        ),
    )
    def post_customer(call: Call) -> func.HttpResponse:
        result = create_customer(
            call.dependencies,
            channel_id=call.channel,
            body=read_json_body(call.request),
            idempotency_key=_idempotency_key(call.request),
        )
        location = f"/api/channels/{call.channel}/customers/{result.customer.customer_id}"
        return json_response(
            result.customer, status=201 if result.created else 200, headers={"Location": location}
        )

    @routes.route(route="channels/{channelId}/customers", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "searchCustomers",
            "Search by account number, e-mail, phone or name prefix",
            caller="channel",
            parameters=(
                Parameter("search", "query", SearchText, required=True, default=""),
                *paging(high=MAX_SEARCH_LIMIT, default=DEFAULT_SEARCH_LIMIT),
            ),
            answers={200: Answer(CustomerPage)},
            problems=(401, 403, 404, 422),
        ),
    )
    def get_customers(call: Call) -> func.HttpResponse:
        page = search_customers(
            call.dependencies,
            channel_id=call.channel,
            text=call.query("search"),
            **call.page(),
        )
        return json_response(page)

    @routes.route(route="channels/{channelId}/customers/{ref}", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "getCustomer",
            "Read a customer by GUID or account number",
            caller="channel",
            answers={200: Answer(CustomerPublic)},
            problems=(401, 403, 404),
        ),
    )
    def get_customer_by_ref(call: Call) -> func.HttpResponse:
        return json_response(get_customer(call.dependencies, channel_id=call.channel, ref=call.route("ref")))

    @routes.route(route="channels/{channelId}/customers/{ref}", methods=["PATCH"])
    @endpoint(
        app,
        Operation(
            "editCustomer",
            "Edit a customer (409 while pending unless asyncCustomerEdits; If-Match honoured)",
            caller="channel",
            body=CustomerUpdate,
            parameters=(Parameter("If-Match", "header"),),
            answers={200: Answer(CustomerPublic)},
            problems=(400, 401, 403, 404, 409, 412, 413, 422, 503),
        ),
    )
    def patch_customer(call: Call) -> func.HttpResponse:
        customer = edit_customer(
            call.dependencies,
            channel_id=call.channel,
            ref=call.route("ref"),
            body=read_json_body(call.request),
            if_match=call.request.headers.get("If-Match"),
        )
        return json_response(customer)

    @routes.route(route="channels/{channelId}/customers/{ref}/addresses", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "addCustomerAddress",
            "Add an address (per asyncCustomerAddresses)",
            caller="channel",
            body=AddressCreate,
            answers={201: Answer(Address, "Created")},
            problems=(400, 401, 403, 404, 409, 413, 422, 503),
        ),
    )
    def post_customer_address(call: Call) -> func.HttpResponse:
        address = add_address(
            call.dependencies,
            channel_id=call.channel,
            ref=call.route("ref"),
            body=read_json_body(call.request),
        )
        return json_response(address, status=201)

    @routes.route(route="channels/{channelId}/customers/{ref}/consents", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listCustomerConsents",
            "Every change of the customer's marketing consent, newest first, a page at a time",
            caller="channel",
            parameters=(*paging(high=MAX_CONSENT_PAGE, default=DEFAULT_CONSENT_PAGE),),
            answers={200: Answer(ConsentHistory)},
            problems=(401, 403, 404, 422),
        ),
    )
    def get_customer_consents(call: Call) -> func.HttpResponse:
        history = consent_history(
            call.dependencies,
            channel_id=call.channel,
            ref=call.route("ref"),
            **call.page(),
        )
        return json_response(history)

    @routes.route(route="channels/{channelId}/customers/{ref}/addresses", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listCustomerAddresses",
            "A customer's addresses, in the order they were added, a page at a time",
            caller="channel",
            parameters=(*paging(high=MAX_ADDRESS_PAGE, default=DEFAULT_ADDRESS_PAGE),),
            answers={200: Answer(AddressPage)},
            problems=(401, 403, 404, 422),
        ),
    )
    def get_customer_addresses(call: Call) -> func.HttpResponse:
        page = list_addresses(
            call.dependencies,
            channel_id=call.channel,
            ref=call.route("ref"),
            **call.page(),
        )
        return json_response(page)

    @routes.route(route="channels/{channelId}/customers/{ref}/loyalty-cards", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "issueLoyaltyCard",
            "Issue a loyalty card (409 while pending)",
            caller="channel",
            answers={201: Answer(LoyaltyCard, "Created")},
            problems=(401, 403, 404, 409, 503),
        ),
    )
    def post_loyalty_card(call: Call) -> func.HttpResponse:
        card = issue_loyalty_card(call.dependencies, channel_id=call.channel, ref=call.route("ref"))
        return json_response(card, status=201)

    @routes.route(route="channels/{channelId}/offline-customers", methods=["POST"])
    @endpoint(
        app,
        Operation(
            "uploadOfflineCustomers",
            "Upload up to 100 customers created while the POS was offline",
            caller="channel",
            body=OfflineUpload,
            answers={200: Answer(OfflineResults)},
            problems=(400, 401, 403, 404, 413, 422),
        ),
    )
    def post_offline_customers(call: Call) -> func.HttpResponse:
        outcomes = upload_offline_customers(
            call.dependencies, channel_id=call.channel, body=read_json_body(call.request)
        )
        instance = f"/api/channels/{call.channel}/offline-customers"
        return json_response(
            OfflineResults(results=[_offline_result(outcome, instance) for outcome in outcomes])
        )

    return routes


def _offline_result(outcome: OfflineOutcome, instance: str) -> OfflineResult:
    """Each record answers as its own request would: 201 created, 200 replayed, or its problem."""
    if outcome.error is not None:
        problem = Problem.model_validate(problem_body(outcome.error, instance))
        return OfflineResult(customer_id=outcome.customer_id, status=problem.status, problem=problem)
    return OfflineResult(
        customer_id=outcome.customer_id, status=201 if outcome.created else 200, customer=outcome.customer
    )


def _idempotency_key(req: func.HttpRequest) -> str | None:
    header = req.headers.get("Idempotency-Key")
    if header is None:
        return None
    key = str(header).strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidRequest(f"Idempotency-Key must have 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
    return key

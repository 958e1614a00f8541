"""Customer attribute definitions: admins define and retire them, every till reads them."""

from __future__ import annotations

import azure.functions as func

from functions.endpoint import Answer, Call, Operation, Parameter, endpoint
from functions.http_api import json_response, read_json_body
from shared.bootstrap import AppDependencies
from shared.domain.attributes import AttributeDefinition, AttributeDefinitionInput, AttributeList
from shared.domain.roles import Role
from shared.services.attributes import define_attribute, list_attributes, retire_attribute


def blueprint(app: AppDependencies) -> func.Blueprint:
    routes = func.Blueprint()

    @routes.route(route="customer-attributes", methods=["GET"])
    @endpoint(
        app,
        Operation(
            "listCustomerAttributes",
            "The customer attributes HQ defines, for the till's customer form (any key)",
            caller="any-key",
            role=Role.CUSTOMERS_STEWARD,
            parameters=(Parameter("includeRetired", "query", bool, default=False),),
            answers={200: Answer(AttributeList)},
            problems=(401, 422),
        ),
    )
    def get_attributes(call: Call) -> func.HttpResponse:
        items = list_attributes(call.dependencies, include_retired=call.query("includeRetired"))
        return json_response(AttributeList(items=items))

    @routes.route(route="customer-attributes/{name}", methods=["PUT"])
    @endpoint(
        app,
        Operation(
            "putCustomerAttribute",
            "Define or change a customer attribute; a retired one comes back (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="attribute.define",
            body=AttributeDefinitionInput,
            answers={
                200: Answer(AttributeDefinition, "Changed"),
                201: Answer(AttributeDefinition, "Defined"),
            },
            problems=(400, 401, 403, 413, 422),
        ),
    )
    def put_attribute(call: Call) -> func.HttpResponse:
        definition, created = define_attribute(
            call.dependencies, name=call.route("name"), body=read_json_body(call.request)
        )
        return json_response(definition, status=201 if created else 200)

    @routes.route(route="customer-attributes/{name}", methods=["DELETE"])
    @endpoint(
        app,
        Operation(
            "retireCustomerAttribute",
            "Retire a customer attribute: no new values, existing ones kept and readable (admin)",
            caller="admin",
            role=Role.CUSTOMERS_STEWARD,
            audit="attribute.retire",
            answers={200: Answer(AttributeDefinition)},
            problems=(401, 403, 404),
        ),
    )
    def delete_attribute(call: Call) -> func.HttpResponse:
        return json_response(retire_attribute(call.dependencies, name=call.route("name")))

    return routes

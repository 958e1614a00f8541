"""The function app: creates the FunctionApp and registers the blueprints; nothing else."""

import azure.functions as func

from functions import channels, conversion, customers, openapi, sync_admin

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (
    channels.blueprint,
    customers.blueprint,
    conversion.blueprint,
    sync_admin.blueprint,
    openapi.blueprint,
):
    app.register_functions(blueprint)

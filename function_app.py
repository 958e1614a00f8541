"""The function app: refuses unsafe deployed settings, creates the FunctionApp, registers the blueprints.

Every HTTP function is anonymous for the platform: the app's own admin and channel keys are the only
keys (contract §5), checked by the app on every host.
"""

import azure.functions as func

from functions import channels, conversion, customers, openapi, sync_admin
from shared.settings import check_startup_settings

check_startup_settings()
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (
    channels.blueprint,
    customers.blueprint,
    conversion.blueprint,
    sync_admin.blueprint,
    openapi.blueprint,
):
    app.register_functions(blueprint)

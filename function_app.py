"""The function app: refuses unsafe deployed settings, switches on telemetry when Application Insights
is configured, creates the FunctionApp, registers the blueprints.

Every HTTP function is anonymous for the platform: the app's own admin and channel keys are the only
keys, checked by the app on every host. `dependencies` is the app's composition root
product, handed to every blueprint; it is built from app settings on first use.
"""

import azure.functions as func

from functions.catalog import blueprints
from shared.bootstrap import AppDependencies
from shared.settings import check_startup_settings
from shared.telemetry import configure_telemetry

check_startup_settings()
configure_telemetry()
dependencies = AppDependencies()
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in blueprints(dependencies):
    app.register_functions(blueprint)

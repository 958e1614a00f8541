"""The function app: refuses unsafe deployed settings, switches on telemetry when Application Insights
is configured, builds the FunctionApp with every blueprint registered.

Every HTTP function is anonymous for the platform: the app's own admin and channel keys are the only
keys, checked by the app on every host. `dependencies` is the app's composition root
product, handed to every blueprint; it is built from app settings on first use.
"""

from functions.catalog import build_function_app
from shared.bootstrap import AppDependencies
from shared.settings import check_startup_settings
from shared.telemetry import configure_telemetry

check_startup_settings()
configure_telemetry()
dependencies = AppDependencies()
app = build_function_app(dependencies)

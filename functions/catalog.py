"""The function app and every blueprint it registers, in one place: `function_app.py` builds it,
and the OpenAPI document describes exactly what it registered."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from functions import (
    access_logs,
    attributes,
    audit,
    channels,
    console,
    conversion,
    customers,
    duplicates,
    events,
    openapi,
    privacy,
    sync_admin,
)
from shared.bootstrap import AppDependencies


class IndexedOnce(func.FunctionApp):
    """Indexing an app twice fails (the second time finds every function name taken): the
    functions the host indexed are kept, so the OpenAPI document describes exactly those."""

    _indexed: list[Any] | None = None

    def get_functions(self) -> list[Any]:
        if self._indexed is None:
            self._indexed = super().get_functions()
        return self._indexed


def build_function_app(dependencies: AppDependencies) -> func.FunctionApp:
    """Every HTTP function is anonymous for the platform: the app's own keys are the only keys."""
    app = IndexedOnce(http_auth_level=func.AuthLevel.ANONYMOUS)
    for blueprint in [
        channels.blueprint(dependencies),
        customers.blueprint(dependencies),
        conversion.blueprint(dependencies),
        sync_admin.blueprint(dependencies),
        duplicates.blueprint(dependencies),
        attributes.blueprint(dependencies),
        audit.blueprint(dependencies),
        access_logs.blueprint(dependencies),
        events.blueprint(dependencies),
        privacy.blueprint(dependencies),
        console.blueprint(dependencies),
        openapi.blueprint(dependencies, registered=app.get_functions),
    ]:
        app.register_functions(blueprint)
    return app

"""Every blueprint of the app in one list: `function_app.py` registers them and the OpenAPI
document describes exactly what they register."""

from __future__ import annotations

import azure.functions as func

from functions import attributes, channels, console, conversion, customers, duplicates, openapi, sync_admin
from shared.bootstrap import AppDependencies


def blueprints(app: AppDependencies) -> list[func.Blueprint]:
    return [
        channels.blueprint(app),
        customers.blueprint(app),
        conversion.blueprint(app),
        sync_admin.blueprint(app),
        duplicates.blueprint(app),
        attributes.blueprint(app),
        console.blueprint(app),
        openapi.blueprint(app),
    ]

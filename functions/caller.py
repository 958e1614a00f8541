"""Who is calling: every route starts by checking its bearer token against the contract's rules."""

from __future__ import annotations

import azure.functions as func

from shared.services.access import require_admin, require_channel_access
from shared.services.dependencies import Dependencies, current_dependencies


def channel_caller(req: func.HttpRequest, *, admin_allowed: bool = False) -> tuple[Dependencies, str]:
    """The dependencies and the route's channel id, once the caller holds a key of that channel."""
    dependencies = current_dependencies()
    channel_id = str(req.route_params["channelId"])
    require_channel_access(
        dependencies,
        authorization=req.headers.get("Authorization"),
        channel_id=channel_id,
        admin_allowed=admin_allowed,
    )
    return dependencies, channel_id


def admin_caller(req: func.HttpRequest) -> Dependencies:
    dependencies = current_dependencies()
    require_admin(dependencies, authorization=req.headers.get("Authorization"))
    return dependencies

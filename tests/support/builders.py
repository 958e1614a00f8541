"""Builds real dependencies on Azurite, and test data, for integration and end-to-end tests."""

from __future__ import annotations

import uuid
from typing import Any

from azure.core.pipeline.transport import HttpTransport

from shared.bootstrap import build_dependencies
from shared.domain.channel import Channel
from shared.services.dependencies import Dependencies
from shared.services.fault_points import FaultPoints
from shared.settings import Settings

TEST_ADMIN_KEY = "test-admin-key"


def make_settings(connection_string: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "AzureWebJobsStorage": connection_string,
        "ADMIN_API_KEY": TEST_ADMIN_KEY,
        "HQ_TIMEOUT_SECONDS": 2,
    }
    values.update(overrides)
    return Settings(**values)


def make_dependencies(
    connection_string: str,
    *,
    faults: FaultPoints | None = None,
    channel_transport: HttpTransport[Any, Any] | None = None,
    hq_transport: HttpTransport[Any, Any] | None = None,
    **settings: Any,
) -> Dependencies:
    return build_dependencies(
        make_settings(connection_string, **settings),
        faults=faults,
        channel_transport=channel_transport,
        hq_transport=hq_transport,
    )


def unique_channel_id(prefix: str = "store") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def add_channel(dependencies: Dependencies, **profile: Any) -> Channel:
    channel = Channel(channel_id=unique_channel_id(), name="Test store", **profile)
    dependencies.channels.save(channel)
    return channel


def unique_phone() -> str:
    """A valid London number no other test gives out, so no customer matches another by phone."""
    return f"+44207{uuid.uuid4().int % 10**7:07d}"


def unique_shopper(first_name: str, last_name: str, **overrides: Any) -> dict[str, Any]:
    """A shopper whose e-mail and phone no other test gives out; an override of None drops a field."""
    mailbox = first_name.encode("ascii", "ignore").decode().lower() or "shopper"
    body: dict[str, Any] = {
        "firstName": first_name,
        "lastName": last_name,
        "email": f"{mailbox}.{uuid.uuid4().hex[:10]}@example.com",
        "phone": unique_phone(),
        **overrides,
    }
    return {name: value for name, value in body.items() if value is not None}


def person(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "phone": "+442071234567",
    }
    body.update(overrides)
    return body

"""Telemetry for Application Insights: traces, logs and metrics through Azure Monitor's OpenTelemetry
distro, switched on by the `APPLICATIONINSIGHTS_CONNECTION_STRING` app setting and off without it.

Logs are structured: a record carries `channelId`, `customerId`, `operationId` (given by the code
that logs) and `invocationId` (the function invocation it ran in) as attributes, which become
custom dimensions. Only these ids and codes are ever attributes; names, e-mails and phones never are.
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
# As the Functions host reads it: `ClientId=<managed identity>;Authorization=AAD` for Entra ID ingestion.
AUTHENTICATION_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
APP_LOGGER = ""  # the root logger: the app's records and the Azure SDK's warnings alike
# The exporter's own HTTP calls log through these at INFO: exported, each would cause another call.
QUIET_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.monitor.opentelemetry", "urllib3")

_invocation: contextvars.ContextVar[str | None] = contextvars.ContextVar("invocation_id", default=None)
_configured = False


@contextmanager
def invocation(invocation_id: str | None) -> Iterator[None]:
    """Marks every record logged inside as belonging to this function invocation."""
    token = _invocation.set(invocation_id)
    try:
        yield
    finally:
        _invocation.reset(token)


_plain_factory = logging.getLogRecordFactory()


def _record_with_invocation(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every record, of every logger, made during an invocation carries its `invocationId`."""
    record = _plain_factory(*args, **kwargs)
    invocation_id = _invocation.get()
    if invocation_id is not None:
        record.invocationId = invocation_id
    return record


def configure_telemetry(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Exports to Application Insights when the connection string is set; answers whether it does.
    Idempotent: the OpenTelemetry providers are process-wide and set once."""
    global _configured
    if logging.getLogRecordFactory() is not _record_with_invocation:
        logging.setLogRecordFactory(_record_with_invocation)
    connection_string = environ.get(CONNECTION_SETTING, "").strip()
    if not connection_string or _configured:
        return _configured
    from azure.monitor.opentelemetry import configure_azure_monitor

    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    options: dict[str, Any] = {}
    credential = _ingestion_credential(environ.get(AUTHENTICATION_SETTING, ""))
    if credential is not None:
        options["credential"] = credential
    configure_azure_monitor(
        **options,
        connection_string=connection_string,
        logger_name=APP_LOGGER,
        # Storage URLs stay out of traces: an entity's key (a search entry's is a name, an e-mail or
        # a phone) is in the path, and a query's filter holds a search term. The Azure SDK's own
        # spans would export them as dependency names and URLs, so they are off with plain HTTP's.
        instrumentation_options={
            "azure_sdk": {"enabled": False},
            "requests": {"enabled": False},
            "urllib3": {"enabled": False},
        },
    )
    _configured = True
    return True


def _ingestion_credential(authentication: str) -> Any:
    """The managed identity the deployment names for Entra ID ingestion (the resource refuses keys)."""
    parts = dict(part.split("=", 1) for part in authentication.split(";") if "=" in part)
    if parts.get("Authorization", "").upper() != "AAD":
        return None
    from azure.identity import ManagedIdentityCredential

    client_id = parts.get("ClientId")
    return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()

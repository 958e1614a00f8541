"""Clients for one storage account, with retry and time-outs configured once for every adapter."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import requests
from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.transport import HttpTransport, RequestsTransport
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.queue import (
    ExponentialRetry,
    QueueClient,
    TextBase64DecodePolicy,
    TextBase64EncodePolicy,
)
from requests.adapters import HTTPAdapter

from shared.domain.errors import DomainError, StorageUnavailable
from shared.settings import MANAGED_IDENTITY, StorageConnection
from shared.storage import batch_parts

TRANSIENT_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})

# The SDK logs every request URL at INFO, urllib3 at DEBUG; search-index keys in those URLs are
# built from names and e-mail addresses, and logs must never carry personal data.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)


@dataclass(frozen=True)
class RetrySettings:
    """Bounded exponential backoff for throttling (429/503) and transient 5xx, done by azure-core."""

    total: int = 4
    backoff_factor: float = 0.2
    backoff_max: float = 4.0
    connection_timeout: float = 5.0
    read_timeout: float = 20.0

    def queue_retry_policy(self) -> ExponentialRetry:
        """The queue SDK's own exponential policy (it must strip its storage-only options); its
        default would wait 15 s before the first retry, too long under a request."""
        return ExponentialRetry(
            initial_backoff=0,
            increment_base=2,
            retry_total=min(self.total, 2),
            random_jitter_range=0,
        )

    def client_kwargs(self) -> dict[str, object]:
        return {
            "retry_total": self.total,
            "retry_connect": self.total,
            "retry_read": self.total,
            "retry_status": self.total,
            "retry_backoff_factor": self.backoff_factor,
            "retry_backoff_max": self.backoff_max,
            "retry_mode": "exponential",
            "connection_timeout": self.connection_timeout,
            "read_timeout": self.read_timeout,
        }


CONNECTIONS_PER_HOST = 64
batch_parts.prepare_in_place()


PROXY_SETTINGS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
CA_BUNDLE_SETTINGS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _pooled_transport(retry: RetrySettings) -> RequestsTransport:
    """One connection pool per account, shared by its table and queue clients and sized for a host
    that runs many invocations at once (requests' default keeps only 10 connections)."""
    session = requests.Session()
    # With trust_env, requests scans the environment for proxies, .netrc and CA bundles on every
    # call (nine times a conversion on the profile); only a machine behind a proxy needs that. A CA
    # bundle named in the environment is read once, here, instead.
    session.trust_env = any(os.environ.get(name) for name in PROXY_SETTINGS)
    ca_bundle = next((os.environ[name] for name in CA_BUNDLE_SETTINGS if os.environ.get(name)), None)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=CONNECTIONS_PER_HOST)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return RequestsTransport(
        session=session,
        session_owner=False,
        connection_timeout=retry.connection_timeout,
        read_timeout=retry.read_timeout,
        connection_verify=ca_bundle if ca_bundle and not session.trust_env else True,
    )


class StorageAccount:
    """Hands out table and queue clients of one account; tables and queues are created on first use.

    `transport` is the azure-core HTTP transport under the SDK's retry policy: the seam through
    which tests make storage slow, failing or throttling, as httpx's MockTransport does.
    `credential` stands in for the Entra credential an identity-based connection names.
    `unavailable` is the error its own calls (creating a table) raise when it does not answer: HQ's
    account says HQ is unavailable, so a caller can tell it from the channel's.
    """

    def __init__(
        self,
        connection: StorageConnection | str,
        *,
        retry: RetrySettings | None = None,
        transport: HttpTransport[Any, Any] | None = None,
        credential: TokenCredential | None = None,
        unavailable: Callable[[str], DomainError] = StorageUnavailable,
    ) -> None:
        self._unavailable = unavailable
        if isinstance(connection, str):
            connection = StorageConnection(connection_string=connection)
        self._connection = connection
        if connection.uses_identity:
            self._credential: TokenCredential | None = credential or _entra_credential(connection)
        else:
            self._credential = None
        self._retry = retry or RetrySettings()
        self._client_kwargs: dict[str, Any] = {**self._retry.client_kwargs()}
        self._client_kwargs["transport"] = transport or _pooled_transport(self._retry)
        if connection.connection_string is not None:
            self._tables = TableServiceClient.from_connection_string(
                connection.connection_string, **self._client_kwargs
            )
        else:
            assert connection.table_service_uri is not None
            self._tables = TableServiceClient(
                endpoint=connection.table_service_uri, credential=self._credential, **self._client_kwargs
            )
        self._known_tables: dict[str, TableClient] = {}
        self._known_queues: dict[str, QueueClient] = {}
        self._lock = threading.Lock()

    @property
    def credential(self) -> TokenCredential | None:
        """The Entra credential of an identity-based connection; None with a connection string."""
        return self._credential

    @property
    def table_service_url(self) -> str:
        return str(self._tables.url)

    def table(self, name: str) -> TableClient:
        with self._lock:
            client = self._known_tables.get(name)
        if client is not None:
            return client
        client = self._tables.get_table_client(name)
        with translate_storage_errors(self._unavailable), suppress(ResourceExistsError):
            client.create_table()
        with self._lock:
            self._known_tables[name] = client
        return client

    def queue(self, name: str) -> QueueClient:
        with self._lock:
            client = self._known_queues.get(name)
        if client is not None:
            return client
        options: dict[str, Any] = {
            "message_encode_policy": TextBase64EncodePolicy(),
            "message_decode_policy": TextBase64DecodePolicy(),
            "retry_policy": self._retry.queue_retry_policy(),
            **self._client_kwargs,
        }
        if self._connection.connection_string is not None:
            client = QueueClient.from_connection_string(self._connection.connection_string, name, **options)
        elif self._connection.queue_service_uri is None:
            raise ValueError("This storage connection has no queue service URI")
        else:
            client = QueueClient(
                self._connection.queue_service_uri, name, credential=self._credential, **options
            )
        with translate_storage_errors(), suppress(ResourceExistsError):
            client.create_queue()
        with self._lock:
            self._known_queues[name] = client
        return client


def _entra_credential(connection: StorageConnection) -> TokenCredential:
    """`__credential=managedidentity` means the app's managed identity (the user-assigned one
    `__clientId` names); otherwise DefaultAzureCredential, which also finds a developer's sign-in."""
    # Imported here: azure-identity costs a cold start some 150 ms, and Azurite never needs it.
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if connection.credential == MANAGED_IDENTITY:
        if connection.client_id:
            return ManagedIdentityCredential(client_id=connection.client_id)
        return ManagedIdentityCredential()
    return DefaultAzureCredential(managed_identity_client_id=connection.client_id)


@contextmanager
def translate_storage_errors(
    unavailable: Callable[[str], DomainError] = StorageUnavailable,
) -> Iterator[None]:
    """Turns 'storage is down, or throttling beyond our retries' into a domain 503 error."""
    try:
        yield
    except (ServiceRequestError, ServiceResponseError) as error:
        raise unavailable("Storage did not answer; try again shortly") from error
    except HttpResponseError as error:
        if (error.status_code or 0) in TRANSIENT_STATUS_CODES:
            raise unavailable("Storage is busy or failing; try again shortly") from error
        raise

"""One settings object, read from app settings (environment variables) like the Functions host passes them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.domain.duplicates import DuplicatePolicy

AZURITE_CONNECTION_STRING = "UseDevelopmentStorage=true"
LOCAL_MATCH_INDEX_SECRET = "local-match-index-secret"
LOCAL_WEBHOOK_SECRETS_KEY = "local-webhook-secrets-key"
MANAGED_IDENTITY = "managedidentity"


@dataclass(frozen=True)
class StorageConnection:
    """How the app reaches one storage account, in the shapes the Functions host reads for the
    same setting: a connection string (Azurite, or an account key), or an identity-based
    connection, `<NAME>__accountName` or `<NAME>__tableServiceUri` / `<NAME>__queueServiceUri`,
    signed in with Microsoft Entra (`<NAME>__credential`, `<NAME>__clientId`)."""

    connection_string: str | None = None
    table_service_uri: str | None = None
    queue_service_uri: str | None = None
    credential: str | None = None
    client_id: str | None = None

    @property
    def uses_identity(self) -> bool:
        return self.connection_string is None

    @classmethod
    def from_settings(
        cls,
        *,
        connection_string: str | None,
        account_name: str | None,
        table_service_uri: str | None,
        queue_service_uri: str | None,
        credential: str | None,
        client_id: str | None,
        setting: str,
        needs_queues: bool,
    ) -> StorageConnection | None:
        """The connection one setting family describes; None when none of it is set."""
        if connection_string:
            return cls(connection_string=connection_string)
        if not (account_name or table_service_uri or queue_service_uri):
            return None
        return cls.identity_based(
            account_name=account_name,
            table_service_uri=table_service_uri,
            queue_service_uri=queue_service_uri,
            credential=credential,
            client_id=client_id,
            setting=setting,
            needs_queues=needs_queues,
        )

    @classmethod
    def identity_based(
        cls,
        *,
        account_name: str | None,
        table_service_uri: str | None,
        queue_service_uri: str | None,
        credential: str | None,
        client_id: str | None,
        setting: str,
        needs_queues: bool,
    ) -> StorageConnection:
        if account_name:
            table_service_uri = table_service_uri or f"https://{account_name}.table.core.windows.net"
            queue_service_uri = queue_service_uri or f"https://{account_name}.queue.core.windows.net"
        needed = [("tableServiceUri", table_service_uri)]
        if needs_queues:
            needed.append(("queueServiceUri", queue_service_uri))
        missing = [f"{setting}__{name}" for name, value in needed if not value]
        if missing:
            raise ValueError(
                f"{setting}: set a connection string, {setting}__accountName, or "
                f"{' and '.join(f'{setting}__{name}' for name, _ in needed)} (missing: {', '.join(missing)})"
            )
        if credential and credential.lower() != MANAGED_IDENTITY:
            raise ValueError(
                f"{setting}__credential must be '{MANAGED_IDENTITY}' or unset, not {credential!r}"
            )
        return cls(
            table_service_uri=table_service_uri,
            queue_service_uri=queue_service_uri,
            credential=credential.lower() if credential else None,
            client_id=client_id or None,
        )


DEFAULT_CONVERSION_SCHEDULE = "0 */5 * * * *"
DEFAULT_ENTRA_AUTHORITY = "https://login.microsoftonline.com"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _check_authority(authority: str) -> None:
    """https, or http to this machine only (a test's or a local run's OpenID configuration)."""
    parsed = urlsplit(authority)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS:
        return
    raise ValueError("ENTRA_AUTHORITY must be an https URL (http is accepted for a loopback authority only)")


LOCAL_ADMIN_API_KEY = "dev-admin-key"


class Settings(BaseSettings):
    """App settings of the function app; names are the ones ops set in Azure."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    storage_connection: str | None = Field(default=None, validation_alias="AzureWebJobsStorage")
    storage_account_name: str | None = Field(
        default=None, validation_alias="AzureWebJobsStorage__accountName"
    )
    storage_table_service_uri: str | None = Field(
        default=None, validation_alias="AzureWebJobsStorage__tableServiceUri"
    )
    storage_queue_service_uri: str | None = Field(
        default=None, validation_alias="AzureWebJobsStorage__queueServiceUri"
    )
    storage_credential: str | None = Field(default=None, validation_alias="AzureWebJobsStorage__credential")
    storage_client_id: str | None = Field(default=None, validation_alias="AzureWebJobsStorage__clientId")
    hq_storage_connection: str | None = Field(default=None, validation_alias="HQ_STORAGE_CONNECTION")
    hq_account_name: str | None = Field(default=None, validation_alias="HQ_STORAGE_CONNECTION__accountName")
    hq_table_service_uri: str | None = Field(
        default=None, validation_alias="HQ_STORAGE_CONNECTION__tableServiceUri"
    )
    hq_queue_service_uri: str | None = Field(
        default=None, validation_alias="HQ_STORAGE_CONNECTION__queueServiceUri"
    )
    hq_credential: str | None = Field(default=None, validation_alias="HQ_STORAGE_CONNECTION__credential")
    hq_client_id: str | None = Field(default=None, validation_alias="HQ_STORAGE_CONNECTION__clientId")
    hq_timeout_seconds: float = Field(default=2.0, gt=0, validation_alias="HQ_TIMEOUT_SECONDS")
    customer_account_format: str = Field(default="C{number:09d}", validation_alias="CUSTOMER_ACCOUNT_FORMAT")
    account_number_block_size: int = Field(
        default=10, ge=1, le=1000, validation_alias="ACCOUNT_NUMBER_BLOCK_SIZE"
    )
    admin_api_key: str | None = Field(default=None, validation_alias="ADMIN_API_KEY")
    conversion_schedule: str = Field(
        default=DEFAULT_CONVERSION_SCHEDULE, validation_alias="CONVERSION_SCHEDULE"
    )
    conversion_batch_workers: int = Field(default=8, ge=1, le=64, validation_alias="CONVERSION_BATCH_WORKERS")
    duplicate_policy: DuplicatePolicy = Field(
        default=DuplicatePolicy.FLAG, validation_alias="DUPLICATE_POLICY"
    )
    # The HMAC key of the match index; changing it orphans every stored match key.
    match_index_secret: str = Field(default=LOCAL_MATCH_INDEX_SECRET, validation_alias="MATCH_INDEX_SECRET")
    channel_cache_seconds: float = Field(default=5.0, ge=0, le=300, validation_alias="CHANNEL_CACHE_SECONDS")
    sync_status_max_age_seconds: float = Field(
        default=10.0, ge=0, le=300, validation_alias="SYNC_STATUS_MAX_AGE_SECONDS"
    )
    key_reads_per_hour: int = Field(default=1000, ge=1, le=1_000_000, validation_alias="KEY_READS_PER_HOUR")
    access_log_days: int = Field(default=90, ge=1, le=3650, validation_alias="ACCESS_LOG_DAYS")
    # People sign in with Entra ID: access tokens of this tenant for this audience (unset: the admin
    # key is the only way in).
    entra_tenant_id: str | None = Field(default=None, validation_alias="ENTRA_TENANT_ID")
    entra_audience: str | None = Field(default=None, validation_alias="ENTRA_AUDIENCE")
    entra_authority: str = Field(default=DEFAULT_ENTRA_AUTHORITY, validation_alias="ENTRA_AUTHORITY")
    entra_keys_refresh_cooldown_seconds: float = Field(
        default=30.0, ge=0, le=3600, validation_alias="ENTRA_KEYS_REFRESH_COOLDOWN_SECONDS"
    )

    # How long a channel keeps its history rows (the timer deletes older ones, a bounded number a run).
    conversion_log_days: int = Field(default=90, ge=1, le=3650, validation_alias="CONVERSION_LOG_DAYS")
    completed_operations_days: int = Field(
        default=30, ge=1, le=3650, validation_alias="COMPLETED_OPERATIONS_DAYS"
    )
    idempotency_days: int = Field(default=30, ge=1, le=3650, validation_alias="IDEMPOTENCY_DAYS")
    # Customer events: the CloudEvents `source`, how far behind now the change feed stays so that an
    # event another instance writes with a slightly earlier clock is never passed over, and webhooks.
    events_enabled: bool = Field(default=True, validation_alias="CUSTOMER_EVENTS")
    event_source: str = Field(default="urn:commerce:customers", min_length=1, validation_alias="EVENT_SOURCE")
    feed_settle_seconds: float = Field(default=10.0, ge=0, le=300, validation_alias="FEED_SETTLE_SECONDS")
    feed_days: int = Field(default=14, ge=1, le=365, validation_alias="FEED_DAYS")
    # Seals webhook secrets at rest (AES-GCM): whoever reads the table cannot sign with them.
    webhook_secrets_key: str = Field(
        default=LOCAL_WEBHOOK_SECRETS_KEY, validation_alias="WEBHOOK_SECRETS_KEY"
    )
    allow_local_webhooks: bool = Field(default=False, validation_alias="ALLOW_LOCAL_WEBHOOKS")
    webhook_retry_hours: float = Field(default=24.0, gt=0, le=168, validation_alias="WEBHOOK_RETRY_HOURS")
    webhook_first_retry_seconds: float = Field(
        default=30.0, gt=0, le=3600, validation_alias="WEBHOOK_FIRST_RETRY_SECONDS"
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=30, validation_alias="WEBHOOK_TIMEOUT_SECONDS"
    )

    @model_validator(mode="after")
    def _check_account_format(self) -> Settings:
        try:
            self.customer_account_format.format(number=1)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"CUSTOMER_ACCOUNT_FORMAT must format {{number}}, got {self.customer_account_format!r}"
            ) from error
        self.storage, self.hq_storage  # noqa: B018 - a connection missing a part fails here, at start-up
        _check_authority(self.entra_authority)
        if bool(self.entra_tenant_id) != bool(self.entra_audience):
            raise ValueError("ENTRA_TENANT_ID and ENTRA_AUDIENCE go together: set both, or neither")
        return self

    @property
    def entra_configuration_url(self) -> str | None:
        """Where the tenant publishes its issuer and signing keys; None while sign-in is off."""
        if not self.entra_tenant_id:
            return None
        authority = self.entra_authority.rstrip("/")
        return f"{authority}/{self.entra_tenant_id}/v2.0/.well-known/openid-configuration"

    @property
    def storage(self) -> StorageConnection:
        """The channel tables and queues: `AzureWebJobsStorage`, the account the host itself uses;
        Azurite when nothing is set."""
        configured = StorageConnection.from_settings(
            connection_string=self.storage_connection,
            account_name=self.storage_account_name,
            table_service_uri=self.storage_table_service_uri,
            queue_service_uri=self.storage_queue_service_uri,
            credential=self.storage_credential,
            client_id=self.storage_client_id,
            setting="AzureWebJobsStorage",
            needs_queues=True,
        )
        return configured or StorageConnection(connection_string=AZURITE_CONNECTION_STRING)

    @property
    def hq_storage(self) -> StorageConnection:
        """HQ tables live in the channel storage account unless ops point them elsewhere."""
        configured = StorageConnection.from_settings(
            connection_string=self.hq_storage_connection,
            account_name=self.hq_account_name,
            table_service_uri=self.hq_table_service_uri,
            queue_service_uri=self.hq_queue_service_uri,
            credential=self.hq_credential,
            client_id=self.hq_client_id,
            setting="HQ_STORAGE_CONNECTION",
            needs_queues=False,
        )
        return configured or self.storage


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    return Settings()


MIN_ADMIN_KEY_LENGTH = 16
MIN_MATCH_INDEX_SECRET_LENGTH = 32
UNRESOLVED_KEY_VAULT_REFERENCE = "@Microsoft.KeyVault("


class UnsafeSettings(RuntimeError):
    """The app is deployed with settings that would leave it open; it must not start."""


def is_deployed(environ: Mapping[str, str]) -> bool:
    """The App Service platform sets WEBSITE_INSTANCE_ID on every Azure instance, never locally."""
    return bool(environ.get("WEBSITE_INSTANCE_ID"))


def check_startup_settings(environ: Mapping[str, str] | None = None) -> None:
    """Refuses to start a deployed app whose ADMIN_API_KEY is missing, short or the local default,
    or whose match index would be hashed without a secret of its own."""
    environ = os.environ if environ is None else environ
    if not is_deployed(environ):
        return
    key = environ.get("ADMIN_API_KEY", "")
    if key.startswith(UNRESOLVED_KEY_VAULT_REFERENCE):
        # App Service passes a Key Vault reference it could not resolve through as literal text.
        raise UnsafeSettings(
            "ADMIN_API_KEY is a Key Vault reference the platform could not resolve; check the app's "
            "identity has the Key Vault Secrets User role and the secret exists"
        )
    if key == LOCAL_ADMIN_API_KEY or len(key) < MIN_ADMIN_KEY_LENGTH:
        raise UnsafeSettings(
            f"ADMIN_API_KEY must be set to a secret of at least {MIN_ADMIN_KEY_LENGTH} characters "
            "(not the local default) before the app can run in Azure"
        )
    policy = environ.get("DUPLICATE_POLICY", DuplicatePolicy.FLAG.value)
    secret = environ.get("MATCH_INDEX_SECRET", "")
    if policy != DuplicatePolicy.OFF.value and (
        secret.startswith(UNRESOLVED_KEY_VAULT_REFERENCE) or len(secret) < MIN_MATCH_INDEX_SECRET_LENGTH
    ):
        # Without a secret of its own, the match index's hashes of e-mails and phones could be
        # recomputed by anyone who reads the table.
        raise UnsafeSettings(
            f"MATCH_INDEX_SECRET must be a secret of at least {MIN_MATCH_INDEX_SECRET_LENGTH} characters "
            "(a resolved Key Vault reference) while DUPLICATE_POLICY is not off"
        )
    webhook_key = environ.get("WEBHOOK_SECRETS_KEY", "")
    if (
        webhook_key.startswith(UNRESOLVED_KEY_VAULT_REFERENCE)
        or len(webhook_key) < MIN_MATCH_INDEX_SECRET_LENGTH
    ):
        raise UnsafeSettings(
            f"WEBHOOK_SECRETS_KEY must be a secret of at least {MIN_MATCH_INDEX_SECRET_LENGTH} characters "
            "(a resolved Key Vault reference): it seals the webhooks' signing secrets"
        )
    if environ.get("ALLOW_LOCAL_WEBHOOKS", "").lower() == "true":
        raise UnsafeSettings(
            "ALLOW_LOCAL_WEBHOOKS is for local runs: deployed, webhooks go to public addresses only"
        )

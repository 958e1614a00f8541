"""One settings object, read from app settings (environment variables) like the Functions host passes them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

AZURITE_CONNECTION_STRING = "UseDevelopmentStorage=true"
DEFAULT_CONVERSION_SCHEDULE = "0 */5 * * * *"
LOCAL_ADMIN_API_KEY = "dev-admin-key"


class Settings(BaseSettings):
    """App settings of the function app; names are the ones ops set in Azure."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    storage_connection: str = Field(default=AZURITE_CONNECTION_STRING, validation_alias="AzureWebJobsStorage")
    hq_storage_connection: str | None = Field(default=None, validation_alias="HQ_STORAGE_CONNECTION")
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

    @model_validator(mode="after")
    def _check_account_format(self) -> Settings:
        try:
            self.customer_account_format.format(number=1)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"CUSTOMER_ACCOUNT_FORMAT must format {{number}}, got {self.customer_account_format!r}"
            ) from error
        return self

    @property
    def hq_connection(self) -> str:
        """HQ tables live in the channel storage account unless ops point them elsewhere."""
        return self.hq_storage_connection or self.storage_connection


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    return Settings()


MIN_ADMIN_KEY_LENGTH = 16


class UnsafeSettings(RuntimeError):
    """The app is deployed with settings that would leave it open; it must not start."""


def is_deployed(environ: Mapping[str, str]) -> bool:
    """The App Service platform sets WEBSITE_INSTANCE_ID on every Azure instance, never locally."""
    return bool(environ.get("WEBSITE_INSTANCE_ID"))


def check_startup_settings(environ: Mapping[str, str] | None = None) -> None:
    """Refuses to start a deployed app whose ADMIN_API_KEY is missing, short or the local default."""
    environ = os.environ if environ is None else environ
    if not is_deployed(environ):
        return
    key = environ.get("ADMIN_API_KEY", "")
    if key == LOCAL_ADMIN_API_KEY or len(key) < MIN_ADMIN_KEY_LENGTH:
        raise UnsafeSettings(
            f"ADMIN_API_KEY must be set to a secret of at least {MIN_ADMIN_KEY_LENGTH} characters "
            "(not the local default) before the app can run in Azure"
        )

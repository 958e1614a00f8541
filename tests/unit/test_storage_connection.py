"""The storage settings take the shapes the Functions host reads: a connection string for Azurite,
an identity-based connection (no account key) in Azure."""

from __future__ import annotations

import os

import pytest
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

from shared.settings import AZURITE_CONNECTION_STRING, Settings, StorageConnection
from shared.storage.account import StorageAccount


@pytest.fixture(autouse=True)
def no_storage_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`make test` exports AzureWebJobsStorage for Azurite; these tests say what is set themselves."""
    for name in list(os.environ):
        if name.startswith(("AzureWebJobsStorage", "HQ_STORAGE_CONNECTION")):
            monkeypatch.delenv(name)


def test_nothing_set_means_azurite_for_channel_and_hq() -> None:
    settings = Settings()
    assert settings.storage == StorageConnection(connection_string=AZURITE_CONNECTION_STRING)
    assert settings.hq_storage == settings.storage


def test_a_connection_string_is_used_as_it_is() -> None:
    settings = Settings(AzureWebJobsStorage="UseDevelopmentStorage=true;", HQ_STORAGE_CONNECTION="hq-conn")
    assert settings.storage.connection_string == "UseDevelopmentStorage=true;"
    assert settings.hq_storage.connection_string == "hq-conn"


def test_account_name_with_a_user_assigned_identity() -> None:
    settings = Settings(
        AzureWebJobsStorage__accountName="asynccustabc",
        AzureWebJobsStorage__credential="managedidentity",
        AzureWebJobsStorage__clientId="5f2c1a9e-1111-4222-8333-444455556666",
    )
    assert settings.storage == StorageConnection(
        table_service_uri="https://asynccustabc.table.core.windows.net",
        queue_service_uri="https://asynccustabc.queue.core.windows.net",
        credential="managedidentity",
        client_id="5f2c1a9e-1111-4222-8333-444455556666",
    )
    assert settings.hq_storage == settings.storage


def test_service_uris_name_the_endpoints_directly() -> None:
    settings = Settings(
        AzureWebJobsStorage__tableServiceUri="https://t.example.net",
        AzureWebJobsStorage__queueServiceUri="https://q.example.net",
        HQ_STORAGE_CONNECTION__tableServiceUri="https://hq.example.net",
    )
    assert settings.storage.table_service_uri == "https://t.example.net"
    assert settings.storage.queue_service_uri == "https://q.example.net"
    assert settings.storage.credential is None
    # HQ holds tables only, so it needs no queue endpoint.
    assert settings.hq_storage.table_service_uri == "https://hq.example.net"
    assert settings.hq_storage.queue_service_uri is None


def test_an_identity_connection_missing_its_queue_endpoint_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="AzureWebJobsStorage__queueServiceUri"):
        Settings(AzureWebJobsStorage__tableServiceUri="https://t.example.net")


def test_an_unknown_credential_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="__credential"):
        Settings(AzureWebJobsStorage__accountName="acct", AzureWebJobsStorage__credential="connectionstring")


def test_managed_identity_connection_signs_in_with_that_identity() -> None:
    account = StorageAccount(
        StorageConnection(
            table_service_uri="https://acct.table.core.windows.net",
            queue_service_uri="https://acct.queue.core.windows.net",
            credential="managedidentity",
            client_id="5f2c1a9e-1111-4222-8333-444455556666",
        )
    )
    assert isinstance(account.credential, ManagedIdentityCredential)
    assert account.table_service_url == "https://acct.table.core.windows.net"


def test_identity_connection_without_a_credential_kind_uses_the_default_chain() -> None:
    account = StorageAccount(StorageConnection(table_service_uri="https://acct.table.core.windows.net"))
    assert isinstance(account.credential, DefaultAzureCredential)


def test_a_connection_string_needs_no_credential() -> None:
    assert StorageAccount(AZURITE_CONNECTION_STRING).credential is None

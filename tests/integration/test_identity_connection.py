"""An identity-based connection (no account key) reaches real storage with a bearer token.

Azurite checks OAuth tokens only over HTTPS (`--oauth basic`): issuer, audience and lifetime, not
the signature. So this test runs a second Azurite with a self-signed certificate and hands the
app's storage adapter a token credential in place of the managed identity it would use in Azure.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from devhost.azurite import ACCOUNT_NAME, AzuriteProcess, start_azurite
from shared.settings import StorageConnection
from shared.storage.account import RetrySettings, StorageAccount


class FakeEntraToken:
    """A token shaped like one Entra ID issues for Azure Storage; `lifetime` < 0 makes it expired."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.extend(scopes)
        now = int(time.time())
        claims = {
            "aud": "https://storage.azure.com",
            "iss": f"https://sts.windows.net/{uuid.uuid4()}/",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + self.lifetime,
            "oid": str(uuid.uuid4()),
        }
        header = {"alg": "none", "typ": "JWT"}
        token = ".".join(_b64(json.dumps(part).encode()) for part in (header, claims)) + "."
        return AccessToken(token, now + self.lifetime)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def oauth_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AzuriteProcess, Path]]:
    cert, key = _self_signed_certificate(tmp_path_factory.mktemp("tls"))
    azurite = start_azurite(
        "free", extra_arguments=["--oauth", "basic", "--cert", str(cert), "--key", str(key)]
    )
    try:
        yield azurite, cert
    finally:
        azurite.stop()


def _identity_account(
    oauth_azurite: tuple[AzuriteProcess, Path], monkeypatch: pytest.MonkeyPatch, token: FakeEntraToken
) -> StorageAccount:
    azurite, cert = oauth_azurite
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # trust the test certificate, nothing else
    connection = StorageConnection(
        table_service_uri=f"https://127.0.0.1:{azurite.ports.table}/{ACCOUNT_NAME}",
        queue_service_uri=f"https://127.0.0.1:{azurite.ports.queue}/{ACCOUNT_NAME}",
        credential="managedidentity",
    )
    return StorageAccount(connection, credential=token, retry=RetrySettings(total=0))


def test_tables_and_queues_work_with_a_bearer_token_and_no_account_key(
    oauth_azurite: tuple[AzuriteProcess, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = FakeEntraToken()
    account = _identity_account(oauth_azurite, monkeypatch, token)
    table = account.table("IdentityProbe")
    table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "Value": 7})
    assert table.get_entity("p", "r")["Value"] == 7
    queue = account.queue("identity-probe")
    queue.send_message("hello")
    assert [m.content for m in queue.receive_messages()] == ["hello"]
    assert set(token.scopes) == {"https://storage.azure.com/.default"}


def test_an_expired_token_is_refused_by_storage(
    oauth_azurite: tuple[AzuriteProcess, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    account = _identity_account(oauth_azurite, monkeypatch, FakeEntraToken(lifetime=-120))
    with pytest.raises(ClientAuthenticationError):
        account.table(f"Refused{uuid.uuid4().hex[:8]}").get_entity("p", "r")

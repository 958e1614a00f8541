"""A local Entra ID stand-in: an OpenID configuration and a key set (JWKS) served over loopback
HTTP, with RSA keys this test made, and access tokens signed by them. It rotates keys as a tenant
does: a new key is published, and tokens signed by it start to arrive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "api://commerce-async-customers"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def new(cls) -> SigningKey:
        return cls(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class Tenant:
    """The stand-in tenant: its id, its published keys, and how many times its keys were read."""

    base_url: str
    tenant_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    published: list[SigningKey] = field(default_factory=lambda: [SigningKey.new()])
    key_reads: int = 0

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/v2.0"

    def settings(self) -> dict[str, Any]:
        return {
            "ENTRA_TENANT_ID": self.tenant_id,
            "ENTRA_AUDIENCE": AUDIENCE,
            "ENTRA_AUTHORITY": self.base_url,
            "ENTRA_KEYS_REFRESH_COOLDOWN_SECONDS": "0",
        }

    def token(self, *roles: str, key: SigningKey | None = None, **claims: Any) -> str:
        """An access token as Entra ID issues it for this app, with these app roles."""
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": str(uuid.uuid4()),
            "tid": self.tenant_id,
            "roles": list(roles),
            **claims,
        }
        signer = key or self.published[0]
        return jwt.encode(body, signer.private, algorithm="RS256", headers={"kid": signer.kid})

    def unsigned(self, *roles: str) -> str:
        """`alg: none`: no signature at all."""
        _, body, _ = self.token(*roles).split(".")
        none = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": self.published[0].kid}).encode())
        return f"{none}.{body}."

    def hmac_with_public_key(self, *roles: str) -> str:
        """HS256 "signed" with the tenant's public key: what a key-confusion attack sends."""
        _, body, _ = self.token(*roles).split(".")
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": self.published[0].kid}).encode())
        signature = hmac.new(self.published[0].public_pem(), f"{header}.{body}".encode(), hashlib.sha256)
        return f"{header}.{body}.{_b64(signature.digest())}"

    def rotate(self) -> SigningKey:
        """Publishes a new signing key beside the old one, as a tenant does before using it."""
        key = SigningKey.new()
        self.published.append(key)
        return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@contextmanager
def local_tenant() -> Iterator[Tenant]:
    tenant_box: list[Tenant] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            tenant = tenant_box[0]
            if self.path == f"/{tenant.tenant_id}/v2.0/.well-known/openid-configuration":
                body: dict[str, Any] = {
                    "issuer": tenant.issuer,
                    "jwks_uri": f"{tenant.base_url}/{tenant.tenant_id}/discovery/v2.0/keys",
                }
            elif self.path == f"/{tenant.tenant_id}/discovery/v2.0/keys":
                tenant.key_reads += 1
                body = {"keys": [key.jwk() for key in tenant.published]}
            else:
                self.send_error(404)
                return
            payload = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tenant_box.append(Tenant(base_url=f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tenant_box[0]
    finally:
        server.shutdown()
        server.server_close()

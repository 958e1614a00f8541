"""People's Entra ID access tokens, checked against the tenant's published signing keys.

The tenant's OpenID configuration names its issuer and its key set (JWKS); both are fetched once and
kept. PyJWT's JWKS client keeps the keys and fetches them again when a token names a key it does
not know (a rotation), at most once per cooldown, so a flood of made-up key ids cannot make this
instance hammer the tenant. Only RS256 is accepted: `alg: none` and an HMAC token "signed" with
the public key are refused before any signature is checked.
"""

from __future__ import annotations

import threading
from typing import Any

import jwt
import requests

from shared.domain.errors import SignInUnavailable, Unauthorized
from shared.domain.roles import Actor, Role
from shared.settings import Settings

ALGORITHMS = ["RS256"]
CLOCK_SKEW_SECONDS = 30
FETCH_TIMEOUT_SECONDS = 5


class EntraTokens:
    def __init__(self, settings: Settings) -> None:
        self._configuration_url = settings.entra_configuration_url
        self._audience = settings.entra_audience
        self._cooldown = settings.entra_keys_refresh_cooldown_seconds
        self._lock = threading.Lock()
        self._issuer: str | None = None
        self._keys: jwt.PyJWKClient | None = None

    def verify(self, token: str) -> Actor:
        """The person a valid token stands for, with the app roles it carries; Unauthorized otherwise.
        The reason stays in the server's hands: a caller learns only that the token was refused."""
        if self._configuration_url is None:
            raise Unauthorized("Entra ID sign-in is not configured here; use the admin key")
        issuer, keys = self._tenant()
        try:
            signing_key = keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                signing_key.key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "nbf", "iss", "aud"]},
            )
        except jwt.PyJWKClientConnectionError as error:
            raise SignInUnavailable("The tenant's signing keys could not be read") from error
        except (jwt.PyJWTError, ValueError) as error:
            raise Unauthorized(f"The access token was refused ({type(error).__name__})") from None
        actor_id = claims.get("oid") or claims.get("sub")
        if not isinstance(actor_id, str) or not actor_id:
            raise Unauthorized("The access token names nobody (no oid)")
        granted = claims.get("roles")
        names = {str(name) for name in granted} if isinstance(granted, list) else set()
        return Actor(actor_id, frozenset(role for role in Role if role.value in names))

    def _tenant(self) -> tuple[str, jwt.PyJWKClient]:
        with self._lock:
            if self._issuer is None or self._keys is None:
                configuration = self._configuration()
                self._keys = jwt.PyJWKClient(
                    configuration["jwks_uri"],
                    cache_jwk_set=True,
                    lifespan=24 * 3600,
                    timeout=FETCH_TIMEOUT_SECONDS,
                    cooldown_duration=self._cooldown,
                )
                self._issuer = configuration["issuer"]
            return self._issuer, self._keys

    def _configuration(self) -> dict[str, str]:
        assert self._configuration_url is not None
        try:
            response = requests.get(self._configuration_url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
            return {"issuer": str(document["issuer"]), "jwks_uri": str(document["jwks_uri"])}
        except (requests.RequestException, ValueError, KeyError) as error:
            # Not kept: the next token tries again.
            raise SignInUnavailable("The tenant's OpenID configuration could not be read") from error

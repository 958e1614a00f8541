"""The outbound side of webhooks: resolving a receiver's name, and one signed POST to it."""

from __future__ import annotations

import socket

import requests

from shared.domain.webhooks import SendOutcome


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (an address literal resolves to itself)."""
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        return sorted({str(info[4][0]) for info in found})
    except (socket.gaierror, UnicodeError):
        return []


class WebhookSender:
    """One session for every receiver: connections are kept alive between deliveries."""

    def __init__(self, *, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy from the environment sees the payloads

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> SendOutcome:
        """Redirects are not followed: a receiver cannot send a delivery on to another address."""
        try:
            response = self._session.post(
                url,
                data=body,
                headers=headers,
                timeout=(min(self._timeout, 5.0), self._timeout),
                allow_redirects=False,
            )
        except requests.Timeout:
            return SendOutcome(False, "timeout")
        except requests.RequestException as error:
            return SendOutcome(False, type(error).__name__)
        response.close()
        if 200 <= response.status_code < 300:
            return SendOutcome(True)
        return SendOutcome(False, f"HTTP {response.status_code}")

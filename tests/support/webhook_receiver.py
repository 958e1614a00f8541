"""A webhook receiver on this machine, as a retailer's integration would run one: it verifies each
delivery with the `standardwebhooks` package, records it, and answers as a test tells it to."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.api import ADMIN, ApiClient


class Receiver:
    """A webhook endpoint: verifies each delivery, then answers as `behaviour` says for its attempt."""

    def __init__(self, behaviour: Callable[[str, int], str] = lambda _id, _attempt: "ok") -> None:
        self.behaviour = behaviour
        self.secret = ""
        self.arrivals: list[tuple[str, str, int, bool]] = []  # webhook-id, account, sequence, acked
        self.unverified = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    event: dict[str, Any] = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    with receiver.lock:
                        receiver.unverified += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                message_id = self.headers["webhook-id"]
                with receiver.lock:
                    attempt = sum(1 for arrival in receiver.arrivals if arrival[0] == message_id) + 1
                answer = receiver.behaviour(message_id, attempt)
                if answer == "slow":
                    time.sleep(2.0)  # past the sender's time-out: it never sees this answer
                with receiver.lock:
                    receiver.arrivals.append(
                        (message_id, event["subject"], int(event["sequence"]), answer in ("ok", "slow"))
                    )
                self.send_response(500 if answer == "fail" else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/customers"

    def acked(self) -> set[tuple[str, int]]:
        with self.lock:
            return {(account, sequence) for _, account, sequence, acked in self.arrivals if acked}


@contextmanager
def serving(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()


@contextmanager
def registered(api: ApiClient, receiver: Receiver, **body: Any) -> Iterator[dict[str, Any]]:
    """A webhook to `receiver` for the test's length: removed after, so the storage other tests share
    is left with no webhook to deliver their events to."""
    response = api.http.post("/api/webhooks", json={"url": receiver.url, **body}, headers=ADMIN)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    assert made["secret"].startswith("whsec_")
    receiver.secret = made["secret"]
    try:
        yield made
    finally:
        api.http.delete(f"/api/webhooks/{made['webhookId']}", headers=ADMIN)

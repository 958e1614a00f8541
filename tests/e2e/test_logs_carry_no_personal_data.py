"""Logs carry channel and customer ids, never names, e-mail addresses or phone numbers.

Every record of every logger is captured, at every level, from the host's threads as well as the
test's, during a customer's whole life: create, conversion through the queue, reads, the batch,
duplicate detection and the merge of the duplicate, or its link under `DUPLICATE_POLICY=link`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import StartHost
from tests.support.api import ADMIN, wait_for

FIRST_NAME = "Zephyrine"
MIDDLE_NAME = "Oriel"
LAST_NAME = "Quillfeather"
EMAIL_LOCAL_PART = "zephyrine.quill"
EMAIL_AS_SENT = "Zephyrine.Quill@Example-Mail.COM"
ADDITIONAL_EMAIL = "zq.orders@example.org"
PHONE_AS_SENT = "(206) 555-0143"
PHONE_E164 = "+12065550143"
PHONE_DIGITS = "2065550143"
ADDITIONAL_PHONE = "+442079460321"
NICKNAME = "Zephquill"
NICKNAME_ATTRIBUTE = "logTestNickname"

PERSONAL_DATA = (
    FIRST_NAME,
    MIDDLE_NAME,
    LAST_NAME,
    EMAIL_LOCAL_PART,
    EMAIL_AS_SENT,
    ADDITIONAL_EMAIL,
    PHONE_AS_SENT,
    PHONE_E164,
    PHONE_DIGITS,
    ADDITIONAL_PHONE,
    NICKNAME,
)

# Attributes every LogRecord has; anything else came in through `extra=` and is shipped as well.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class EveryRecord(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self._guard = threading.Lock()
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.records.append(record)

    def text_of(self, record: logging.LogRecord) -> str:
        """What a log sink receives: the message, the traceback, the stack and any `extra` fields."""
        parts = [record.getMessage()]
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        if record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        parts.extend(
            f"{name}={value!r}" for name, value in vars(record).items() if name not in STANDARD_ATTRIBUTES
        )
        return "\n".join(parts)

    def texts(self) -> list[tuple[str, str]]:
        with self._guard:
            records = list(self.records)
        return [(f"{record.name}:{record.levelname}", self.text_of(record)) for record in records]


@pytest.fixture
def captured_logs() -> Iterator[EveryRecord]:
    """Opens the root logger to every level and listens on it and on every logger that does not propagate.

    Loggers the app or a library gave a level of their own keep it: quieting a chatty logger is a
    legitimate way to keep personal data out of the logs.
    """
    handler = EveryRecord()
    root = logging.getLogger()
    named = [item for item in logging.root.manager.loggerDict.values() if isinstance(item, logging.Logger)]
    listening = [root, *(logger for logger in named if not logger.propagate)]
    if logging.getLogger("devhost") not in listening and not logging.getLogger("devhost").propagate:
        listening.append(logging.getLogger("devhost"))
    previous_level = root.level
    root.setLevel(logging.DEBUG)
    for logger in listening:
        logger.addHandler(handler)
    yield handler
    for logger in listening:
        logger.removeHandler(handler)
    root.setLevel(previous_level)


def leaks(captured: EveryRecord) -> dict[str, str]:
    """`logger:LEVEL carries 'value'` -> the first such record's text, so a failure reads at a glance."""
    found: dict[str, str] = {}
    for source, text in captured.texts():
        folded = text.casefold()
        for value in PERSONAL_DATA:
            if value.casefold() in folded:
                found.setdefault(f"{source} carries {value!r}", text[:400])
    return found


def customer_body() -> dict[str, Any]:
    return {
        "firstName": FIRST_NAME,
        "middleName": MIDDLE_NAME,
        "lastName": LAST_NAME,
        "email": EMAIL_AS_SENT,
        "phone": PHONE_AS_SENT,
        "additionalEmails": [{"value": ADDITIONAL_EMAIL, "marketingConsent": True}],
        "additionalPhones": [ADDITIONAL_PHONE],
        "emailMarketingConsent": True,
        "attributes": {NICKNAME_ATTRIBUTE: NICKNAME},
    }


def test_a_customer_life_from_create_to_batch_logs_its_id_but_no_personal_data(
    start_host: StartHost, captured_logs: EveryRecord
) -> None:
    api = start_host()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    sync_channel_id, sync_key = api.new_channel()
    defined = api.http.put(
        f"/api/customer-attributes/{NICKNAME_ATTRIBUTE}",
        json={"label": "Nickname", "type": "Text"},
        headers=ADMIN,
    )
    assert defined.status_code in (200, 201), defined.text

    rejected = api.create_customer(
        channel_id, key, {**customer_body(), "email": EMAIL_AS_SENT.replace("@", "@@")}
    )
    assert rejected.status_code == 422, rejected.text
    created = api.create_customer(channel_id, key, customer_body())
    assert created.status_code == 201, created.text
    customer_id = created.json()["customerId"]
    assert created.json()["email"] == "Zephyrine.Quill@example-mail.com"

    def synced() -> dict[str, Any] | None:
        body = api.customer(channel_id, key, customer_id).json()
        return body if body["syncStatus"] == "Synced" else None

    account_number = wait_for(synced, timeout=20)["accountNumber"]
    assert api.customer(channel_id, key, account_number).json()["customerId"] == customer_id
    edited = api.http.patch(
        f"/api/channels/{channel_id}/customers/{customer_id}",
        json={"phoneMarketingConsent": True, "attributes": {NICKNAME_ATTRIBUTE: NICKNAME + "s"}},
        headers=key,
    )
    assert edited.status_code == 200, edited.text
    history = api.http.get(f"/api/channels/{channel_id}/customers/{customer_id}/consents", headers=key)
    assert history.status_code == 200 and len(history.json()["items"]) == 3
    assert api.http.post("/api/sync/runs", headers=ADMIN).status_code == 200
    in_hq_at_once = api.create_customer(sync_channel_id, sync_key, customer_body())
    assert in_hq_at_once.status_code == 201 and in_hq_at_once.json()["syncStatus"] == "Synced"

    # The same person twice: detected, then merged.
    listed = api.duplicates("Open")
    [candidate] = [item for item in listed if item["customerId"] == in_hq_at_once.json()["customerId"]]
    merged = api.http.post(f"/api/duplicates/{candidate['duplicateId']}/merge", headers=ADMIN)
    assert merged.status_code == 200 and merged.json()["customerId"] == customer_id
    assert any("merged" in text.casefold() for _, text in captured_logs.texts())

    leaked = leaks(captured_logs)
    assert sorted(leaked) == [], "\n\n".join(f"{what}:\n{text}" for what, text in leaked.items())
    assert any(customer_id in text for _, text in captured_logs.texts()), "no record names the customer id"


def test_linking_a_customer_hq_already_has_logs_no_personal_data(
    start_host: StartHost, captured_logs: EveryRecord
) -> None:
    api = start_host(DUPLICATE_POLICY="link")
    defined = api.http.put(
        f"/api/customer-attributes/{NICKNAME_ATTRIBUTE}",
        json={"label": "Nickname", "type": "Text"},
        headers=ADMIN,
    )
    assert defined.status_code in (200, 201), defined.text
    sync_channel_id, sync_key = api.new_channel()
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    first = api.create_customer(sync_channel_id, sync_key, {**customer_body(), "emailVerified": True})
    assert first.status_code == 201, first.text
    again = api.create_customer(channel_id, key, {**customer_body(), "emailVerified": True})
    assert again.status_code == 201, again.text

    def linked() -> dict[str, Any] | None:
        body = api.customer(channel_id, key, again.json()["customerId"]).json()
        return body if body["syncStatus"] == "Synced" else None

    assert wait_for(linked, timeout=20)["accountNumber"] == first.json()["accountNumber"]
    assert any("linked" in text.casefold() for _, text in captured_logs.texts())
    leaked = leaks(captured_logs)
    assert sorted(leaked) == [], "\n\n".join(f"{what}:\n{text}" for what, text in leaked.items())

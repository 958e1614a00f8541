"""The synchronization console in a real browser: Debian's Chromium driven by Playwright.

A failing conversion shows up on the page with its error code; Retry puts it back in line, the
queue converts it, and the page's counters and list follow. A screenshot is left in tests/artifacts.
Where no Chromium is installed the test is skipped with one line saying so (`make test` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.domain.privacy import PrivacyRequest, PrivacyRequestCreate, RequestKind
from tests.e2e.conftest import StartHost, failed_conversion
from tests.support.api import ADMIN, wait_for
from tests.support.builders import TEST_ADMIN_KEY, make_dependencies, person, unique_phone
from tests.support.faults import StorageFaults
from tests.support.webhook_receiver import Receiver, registered, serving

NOT_SHOWN = "\N{EN DASH}"  # the console's mark for a number it could not read
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


def installed_chromium() -> str | None:
    named = os.environ.get("CHROMIUM_PATH")
    if named:
        return named if Path(named).exists() else None
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = installed_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium on this machine (`make test` installs Debian's chromium): console test not run"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (`make test` installs it): console test not run")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def test_a_failed_conversion_is_seen_retried_and_converted_from_the_console(
    start_host: StartHost, browser: Any
) -> None:
    from playwright.sync_api import expect

    failing = failed_conversion(start_host, email="console@example.com")
    channel_id, key, customer_id = failing.channel_id, failing.key, failing.customer_id
    api = start_host()  # HQ is back and the queue works: only the retry is missing
    failed_before = api.http.get("/api/sync/status").json()["failedOperations"]
    assert failed_before >= 1

    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.goto(f"{api.base_url}/api/console")
    expect(page.get_by_role("heading", name="Customer synchronization")).to_be_visible()
    # Keyboard first: a skip link, then the key field, which Enter submits.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the console"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "admin-key"
    page.keyboard.type(TEST_ADMIN_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Key set")
    page.get_by_label("Channel").fill(channel_id)
    page.get_by_role("button", name="Search").click()

    row = page.locator("#operations tr", has_text=customer_id)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("SimulatedCrash")
    expect(page.locator("#failedOperations")).to_have_text(str(failed_before))
    expect(page.locator("#runs tr").first).to_contain_text("manual")
    # The key lives in the tab's session storage only: not in the address, not in a cookie.
    assert page.evaluate("sessionStorage.getItem('commerce-admin-key')") == TEST_ADMIN_KEY
    assert TEST_ADMIN_KEY not in page.url and context.cookies() == []

    row.get_by_role("button", name="Retry").click()
    expect(page.locator("#message")).to_contain_text("queued again")
    wait_for(lambda: api.customer(channel_id, key, customer_id).json()["syncStatus"] == "Synced", timeout=20)
    page.get_by_role("button", name="Refresh now").click()
    expect(page.locator("#operations tr", has_text=customer_id)).to_have_count(0)
    expect(page.locator("#failedOperations")).not_to_have_text(str(failed_before))
    page.get_by_label("State").select_option("Synced")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#operations tr", has_text=customer_id).first).to_contain_text("Synced")
    expect(page.locator("#chart rect.bar").first).to_be_visible()  # the conversion is on the chart

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
    assert api.customer(channel_id, key, customer_id).json()["syncStatus"] == "Synced"
    context.close()


def test_a_duplicate_is_reviewed_side_by_side_and_merged_from_the_console(
    start_host: StartHost, browser: Any
) -> None:
    from playwright.sync_api import expect

    api = start_host()
    north, south = api.new_channel(), api.new_channel()
    email = f"twice.{uuid.uuid4().hex[:8]}@example.com"
    home = {"street": "1 Rue de Rivoli", "city": "Paris", "countryRegionId": "FRA"}
    older = api.create_customer(
        north[0], north[1], person(email=email, phone=unique_phone(), addresses=[home])
    )
    newer = api.create_customer(
        south[0],
        south[1],
        person(
            email=email, firstName="Augusta", phone=unique_phone(), additionalEmails=["ada.work@example.com"]
        ),
    )
    assert older.status_code == 201 and newer.status_code == 201, newer.text
    newer_account = newer.json()["accountNumber"]

    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    page.goto(f"{api.base_url}/api/console")
    page.get_by_label("Admin key").fill(TEST_ADMIN_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_contain_text("Key set")
    row = page.locator("#duplicates tr", has_text=newer_account)
    more = page.get_by_role("button", name="More duplicates")
    expect(page.locator("#duplicates tr").first).to_be_visible()
    while row.count() == 0 and more.is_visible():  # other tests' candidates may come first
        more.click()
        page.wait_for_timeout(200)
    expect(row).to_contain_text("Open")
    row.get_by_role("button").click()

    review = page.locator("#review")
    expect(review).to_be_visible()
    expect(review.locator("h3")).to_contain_text(newer_account)
    first_name = review.locator("tr", has_text="First name")
    expect(first_name).to_have_class("conflict")
    expect(first_name).to_contain_text("Augusta")
    expect(review.locator("tr", has_text="Additional e-mails")).to_contain_text("ada.work@example.com")
    page.keyboard.press("Tab")  # from the review, the keyboard reaches Merge
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-duplicates.png"), full_page=True)

    page.get_by_role("button", name="Merge").click()
    expect(page.locator("#message")).to_contain_text("Merged")
    expect(review.locator("h3")).to_contain_text("Merged")
    expect(page.get_by_role("button", name="Merge")).to_be_disabled()
    expect(page.get_by_role("button", name="Dismiss: not the same customer")).to_be_disabled()
    survivor = api.customer(south[0], south[1], newer.json()["customerId"]).json()
    assert survivor["customerId"] == older.json()["customerId"]
    assert [item["value"] for item in survivor["additionalEmails"]] == ["ada.work@example.com"]
    context.close()


def test_with_hq_storage_down_the_console_shows_every_channel_panel_and_says_hq_is_unavailable(
    start_host: StartHost, browser: Any
) -> None:
    from playwright.sync_api import expect

    hq_down = StorageFaults(fail_when=lambda request: True)
    api = start_host(hq_transport=hq_down, queue_trigger=False)
    channel_id, key = api.new_channel(asyncCustomerCreation=True)
    created = api.create_customer(
        channel_id, key, person(email=f"hq.down.{uuid.uuid4().hex[:8]}@example.com")
    )
    assert created.status_code == 201, created.text  # an async create needs no HQ
    anonymous = api.http.get("/api/sync/status").json()
    assert anonymous["unavailable"] == ["headquarters"] and anonymous["openDuplicates"] is None
    assert anonymous["pendingCustomers"] >= 1

    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.goto(f"{api.base_url}/api/console")
    page.get_by_label("Admin key").fill(TEST_ADMIN_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#hq-unavailable")).to_be_visible(timeout=20_000)
    expect(page.locator("#hq-unavailable")).to_contain_text("HQ unavailable")
    expect(page.locator("#duplicates-problem")).to_contain_text("HQ unavailable", timeout=20_000)
    # The channel storage's panels are all there.
    expect(page.locator("#pendingCustomers")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#openDuplicates")).to_have_text(NOT_SHOWN)
    for panel in ("counters", "runs", "chart", "operations"):
        expect(page.locator(f"#{panel}-problem")).to_be_hidden()
    page.get_by_label("Channel").fill(channel_id)
    page.get_by_label("State").select_option("Pending")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#operations tr", has_text=created.json()["customerId"])).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-hq-down.png"), full_page=True)
    assert hq_down.failures > 0
    context.close()


def test_a_suspended_key_is_shown_and_reinstated_from_the_console(
    start_host: StartHost, browser: Any, storage_connection_string: str
) -> None:
    from playwright.sync_api import expect

    api = start_host()
    channel_id, _ = api.new_channel()
    key_id = api.http.post(f"/api/channels/{channel_id}/keys", headers=ADMIN).json()["keyId"]
    keys = make_dependencies(storage_connection_string).channel_keys
    found = keys.reads(channel_id, key_id)
    assert found is not None
    reads, version = found
    keys.save_reads(channel_id, key_id, replace(reads, suspended_at=datetime.now(UTC)), version=version)

    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.goto(f"{api.base_url}/api/console")
    page.get_by_label("Admin key").fill(TEST_ADMIN_KEY)
    page.keyboard.press("Enter")
    row = page.locator("#suspended tr", has_text=key_id)
    expect(row).to_contain_text(channel_id)
    row.get_by_role("button", name=f"Reinstate key {key_id} of channel {channel_id}").click()
    expect(page.locator("#message")).to_contain_text("works again")
    expect(page.locator("#suspended tr", has_text=key_id)).to_have_count(0)
    again = keys.reads(channel_id, key_id)
    assert again is not None and again[0].suspended_at is None
    context.close()


def test_a_webhooks_health_is_shown_and_its_events_replayed_from_the_console(
    start_host: StartHost, browser: Any
) -> None:
    from playwright.sync_api import expect

    api = start_host(ALLOW_LOCAL_WEBHOOKS="true", WEBHOOK_FIRST_RETRY_SECONDS="60", FEED_SETTLE_SECONDS="0")
    receiver = Receiver(lambda _id, attempt: "fail" if attempt == 1 else "ok")
    with serving(receiver), registered(api, receiver):
        channel_id, key = api.new_channel()
        account = api.create_customer(
            channel_id, key, person(email=f"hook.{uuid.uuid4().hex[:8]}@example.com")
        )
        wait_for(lambda: receiver.arrivals)  # refused once: waits a minute before the next try

        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        page = context.new_page()
        page.goto(f"{api.base_url}/api/console")
        page.get_by_label("Admin key").fill(TEST_ADMIN_KEY)
        page.keyboard.press("Enter")
        row = page.locator("#webhooks tr", has_text=receiver.url)
        expect(row.locator("td").nth(2)).to_have_text("1", timeout=20_000)  # pending
        row.get_by_role("button", name=re.compile("Deliver again")).click()
        expect(page.locator("#message")).to_contain_text("queued again")
        wait_for(lambda: (account.json()["accountNumber"], 1) in receiver.acked())
        expect(row.locator("td").nth(1)).to_have_text("1", timeout=20_000)  # delivered
        context.close()


def test_open_privacy_requests_are_listed_with_the_ones_past_due_called_out(
    start_host: StartHost, browser: Any, storage_connection_string: str
) -> None:
    from playwright.sync_api import expect

    # No worker takes requests here, so they stay open; one came 31 days ago. They name accounts no
    # test reaches, so a worker that meets them later, on the storage tests share, changes nothing.
    api = start_host(host_settings={"AzureWebJobs.work_privacy_request.Disabled": "true"})
    fresh = api.http.post(
        "/api/privacy/requests", json={"kind": "export", "customer": "C999999998"}, headers=ADMIN
    ).json()
    old = PrivacyRequest.received(
        PrivacyRequestCreate(kind=RequestKind.ERASURE, customer="C999999999"),
        at=datetime.now(UTC) - timedelta(days=31),
    )
    make_dependencies(storage_connection_string).privacy_requests.add(old)

    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    page.goto(f"{api.base_url}/api/console")
    page.get_by_label("Admin key").fill(TEST_ADMIN_KEY)
    page.keyboard.press("Enter")
    expect(page.locator("#privacy tr", has_text=fresh["requestId"])).to_contain_text(
        "Received", timeout=20_000
    )
    expect(page.locator("#privacy tr", has_text=old.request_id)).to_contain_text("past due")
    expect(page.locator("#privacy-past-due")).to_contain_text("past due")
    context.close()

"""The consent history on Azurite: entries name the contact's value and why, and entries written
before values were recorded still read."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.data.tables import TableServiceClient

from shared.services.consents import consent_history
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.storage.channel_rows import CUSTOMERS_TABLE
from shared.storage.tables import newest_first
from tests.support.builders import add_channel, person, unique_phone


def test_a_swap_of_additional_emails_records_each_addresses_own_consent(dependencies: Dependencies) -> None:
    channel = add_channel(dependencies, async_customer_edits=True, async_customer_creation=True)
    body = person(
        phone=unique_phone(),
        additionalEmails=[
            {"value": "a1@example.com", "marketingConsent": True},
            {"value": "a2@example.com", "marketingConsent": False},
        ],
    )
    created = create_customer(dependencies, channel_id=channel.channel_id, body=body).customer
    edit_customer(
        dependencies,
        channel_id=channel.channel_id,
        ref=created.customer_id,
        body={
            "additionalEmails": [
                {"value": "a2@example.com", "marketingConsent": True},
                {"value": "a1@example.com", "marketingConsent": False},
            ]
        },
    )
    history = consent_history(
        dependencies, channel_id=channel.channel_id, ref=created.customer_id, limit=50, cursor=None
    ).items
    newest = {(c.value, c.marketing_consent, c.reason) for c in history[:2]}
    assert newest == {("a1@example.com", False, "edit"), ("a2@example.com", True, "edit")}
    assert [(c.value, c.marketing_consent, c.reason) for c in history[2:]] == [
        ("a1@example.com", True, "create")
    ]
    assert {c.contact for c in history} == {"additionalEmails"}


def test_entries_written_before_values_were_recorded_still_read(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(
        dependencies, channel_id=channel.channel_id, body=person(phone=unique_phone())
    ).customer
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    table = TableServiceClient.from_connection_string(storage_connection_string).get_table_client(
        CUSTOMERS_TABLE
    )
    table.create_entity(
        {
            "PartitionKey": channel.channel_id,
            "RowKey": f"consent|{created.customer_id}|{newest_first(at)}|000",
            "Contact": "additionalEmails[1]",
            "MarketingConsent": True,
            "ChannelId": channel.channel_id,
            "ChangedAt": at,
        }
    )
    [entry] = consent_history(
        dependencies, channel_id=channel.channel_id, ref=created.customer_id, limit=50, cursor=None
    ).items
    assert (entry.contact, entry.value, entry.reason, entry.marketing_consent) == (
        "additionalEmails",
        None,
        None,
        True,
    )

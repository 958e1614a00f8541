"""Every row a channel partition holds belongs to a family the row map names: a feature that writes
a new kind of row must add it to `shared/storage/channel_rows.py`, where an erasure and the change
events find every family."""

from __future__ import annotations

import uuid

from shared.domain.duplicates import DuplicateStatus
from shared.services.addresses import add_address
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.loyalty import issue_loyalty_card
from shared.services.merging import merge_duplicate
from shared.storage.channel_rows import RowFamily, family_of
from tests.support.builders import add_channel, person, unique_phone
from tests.support.inspection import channel_rows

HOME = {"street": "1 Main St", "city": "Paris", "countryRegionId": "FRA"}


def test_every_row_a_customers_life_writes_is_of_a_named_family(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    store = add_channel(dependencies, async_customer_creation=True, async_customer_edits=True)
    web = add_channel(dependencies)
    email = f"life.{uuid.uuid4().hex[:8]}@example.com"
    pending = create_customer(
        dependencies,
        channel_id=store.channel_id,
        body=person(email=email, phone=unique_phone(), emailMarketingConsent=True, addresses=[HOME]),
        idempotency_key=f"key-{uuid.uuid4()}",
    ).customer
    edit_customer(
        dependencies,
        channel_id=store.channel_id,
        ref=pending.customer_id,
        body={"emailMarketingConsent": False},
    )
    convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=pending.customer_id)
    add_address(
        dependencies, channel_id=store.channel_id, ref=pending.customer_id, body=dict(HOME, street="2 Rue")
    )
    issue_loyalty_card(dependencies, channel_id=store.channel_id, ref=pending.customer_id)
    again = create_customer(
        dependencies, channel_id=web.channel_id, body=person(email=email, phone=unique_phone())
    ).customer
    [candidate] = [
        c for c in dependencies.duplicates.listed(DuplicateStatus.OPEN) if c.customer_id == again.customer_id
    ]
    merge_duplicate(dependencies, duplicate_id=candidate.duplicate_id)

    families = set()
    for channel in (store, web):
        for row in channel_rows(storage_connection_string, channel.channel_id):
            families.add(family_of(str(row["RowKey"])))
    assert families >= {
        RowFamily.CUSTOMER,
        RowFamily.ADDRESS,
        RowFamily.DONE,
        RowFamily.IDEMPOTENCY,
        RowFamily.CONSENT,
        RowFamily.CONVERTED,
    }

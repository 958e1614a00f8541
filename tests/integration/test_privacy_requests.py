"""Data subject requests on Azurite: a person made through every feature is exported whole, then
erased from every table and queue, and stays erased whatever comes after. An unrelated customer made
alongside is untouched and still converts."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient
from cloudevents.core.formats.json import JSONFormat

from devhost.azurite import start_azurite
from shared.domain.duplicates import DuplicateStatus
from shared.domain.errors import CustomerErased
from shared.domain.privacy import RequestStatus
from shared.services.access_log import Accessor, accessing
from shared.services.addresses import add_address
from shared.services.attributes import define_attribute
from shared.services.conversion import convert_async_customer
from shared.services.conversion_batch import run_conversion_batch
from shared.services.customers import create_customer, get_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.fault_points import ERASURE_POINTS
from shared.services.loyalty import issue_loyalty_card
from shared.services.merging import merge_duplicate
from shared.services.offline_upload import upload_offline_customers
from shared.services.privacy_requests import export_of, submit_request, work_request
from shared.services.retention import prune_channel_history
from shared.storage.channel_rows import ERASURE_OF, RowFamily
from tests.support.builders import add_channel, make_dependencies, unique_phone
from tests.support.faults import CrashAt, SimulatedCrash

HOME = {"street": "12 Rue Oberkampf", "city": "Paris", "countryRegionId": "FRA"}
WORK = {"street": "7 Quai Voltaire", "city": "Paris", "countryRegionId": "FRA", "purpose": "Business"}


@dataclass
class Shopper:
    """A person made through every feature, and the values that are theirs."""

    channel_id: str
    other_channel_id: str
    customer_id: str
    account_number: str
    values: list[str]


def shopper_through_every_feature(dependencies: Dependencies) -> Shopper:
    tag = uuid.uuid4().hex[:8]
    email, phone, other_phone = f"camille.{tag}@example.com", unique_phone(), unique_phone()
    first, last, street = f"Camille{tag}", f"Fournier{tag}", f"{tag} Rue Oberkampf"
    define_attribute(dependencies, name="favouriteShop", body={"label": "Favourite shop", "type": "Text"})
    store = add_channel(dependencies, async_customer_creation=True, async_customer_addresses=True)
    other = add_channel(dependencies, async_customer_creation=True)
    key = uuid.uuid4().hex
    with accessing(Accessor(store.channel_id, key)):
        created = create_customer(
            dependencies,
            channel_id=store.channel_id,
            body={
                "firstName": first,
                "lastName": last,
                "email": email,
                "phone": phone,
                "emailMarketingConsent": True,
                "attributes": {"favouriteShop": f"Shop{tag}"},
                "addresses": [{**HOME, "street": street}],
            },
        ).customer
        convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=created.customer_id)
        edit_customer(
            dependencies,
            channel_id=store.channel_id,
            ref=created.customer_id,
            body={"emailMarketingConsent": False, "phoneMarketingConsent": True, "title": f"Dr{tag}"},
        )
        add_address(dependencies, channel_id=store.channel_id, ref=created.customer_id, body=WORK)
        convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=created.customer_id)
        issue_loyalty_card(dependencies, channel_id=store.channel_id, ref=created.customer_id)
        get_customer(dependencies, channel_id=store.channel_id, ref=created.customer_id)
    # The same shopper at another store: a duplicate candidate, then merged into the first.
    twin = create_customer(
        dependencies,
        channel_id=other.channel_id,
        body={"firstName": first, "lastName": last, "email": email, "phone": other_phone},
    ).customer
    convert_async_customer(dependencies, channel_id=other.channel_id, customer_id=twin.customer_id)
    [candidate] = [
        c for c in dependencies.duplicates.listed(DuplicateStatus.OPEN) if c.customer_id == twin.customer_id
    ]
    merge_duplicate(dependencies, duplicate_id=candidate.duplicate_id)
    dependencies.access_recorder.flush()
    dependencies.event_publisher.flush()
    record = dependencies.customers.get(store.channel_id, created.customer_id)
    assert record is not None and record.account_number is not None
    return Shopper(
        store.channel_id,
        other.channel_id,
        created.customer_id,
        record.account_number,
        [
            first,
            last,
            email,
            phone.removeprefix("+"),
            other_phone.removeprefix("+"),
            street,
            f"Dr{tag}",
            f"Shop{tag}",
        ],
    )


def worked(dependencies: Dependencies, kind: str, customer: str) -> Any:
    request = submit_request(dependencies, {"kind": kind, "customer": customer})
    done = work_request(dependencies, request.request_id)
    assert done is not None and done.status is RequestStatus.COMPLETED, done
    return done


def test_an_export_holds_every_piece_of_a_person_made_through_every_feature(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage)
    shopper = shopper_through_every_feature(dependencies)
    done = worked(dependencies, "export", shopper.customer_id)
    assert done.due_by > done.received_at and done.summary["channelRecords"] == 2

    document = export_of(dependencies, done.request_id).model_dump(mode="json", by_alias=True)
    assert document["generatedAt"] and "ChannelCustomers" in document["storesRead"]
    assert set(document["customerIds"]) >= {shopper.customer_id}
    assert shopper.account_number in document["accounts"]
    [own] = [r for r in document["channelRecords"] if r["customerId"] == shopper.customer_id]
    assert own["email"] == shopper.values[2] and own["title"] == shopper.values[6]
    assert own["attributes"] == {"favouriteShop": shopper.values[7]}
    assert {a["street"] for a in document["addresses"]} >= {shopper.values[5], WORK["street"]}
    assert {c["reason"] for c in document["consentHistory"]} >= {"create", "edit"}
    assert len(document["loyaltyCards"]) == 1
    assert document["duplicateCandidates"] and document["duplicateCandidates"][0]["matchedOn"]
    assert {o["kind"] for o in document["syncOperations"]} >= {
        "CustomerCreate",
        "AddressCreate",
        "CustomerEdit",
    }
    assert {e["action"] for e in document["accessLog"]} >= {"create", "read", "address", "loyalty"}
    assert {e["type"] for e in document["events"]} >= {"customer.synced", "customer.updated"}
    assert document["hqMasters"][0]["profile"]["lastName"] == shopper.values[1]


def every_stored_text(connection_string: str) -> str:
    """Every entity of every table and every message of every queue, as text."""
    texts = []
    tables = TableServiceClient.from_connection_string(connection_string)
    for table in tables.list_tables():
        for entity in tables.get_table_client(table.name).list_entities():
            texts.append(repr(dict(entity)))
    queues = QueueServiceClient.from_connection_string(connection_string)
    for queue in queues.list_queues():
        client = queues.get_queue_client(queue.name)
        for message in client.receive_messages(max_messages=1000, visibility_timeout=30):
            texts.append(message.content)
            with suppress(ValueError):  # base64 text, as the Functions host reads it, or plain
                texts.append(base64.b64decode(message.content).decode(errors="replace"))
    return "\n".join(texts).lower()


@pytest.fixture
def hq_storage() -> Iterator[str]:
    """HQ's own storage account, apart from the channels' (`HQ_STORAGE_CONNECTION`)."""
    azurite = start_azurite("free")
    try:
        yield azurite.connection_string
    finally:
        azurite.stop()


def test_after_an_erasure_no_value_of_the_person_is_in_any_table_or_queue_of_either_account(
    own_storage: str, hq_storage: str
) -> None:
    dependencies = make_dependencies(own_storage, HQ_STORAGE_CONNECTION=hq_storage)
    shopper = shopper_through_every_feature(dependencies)
    [candidate] = dependencies.duplicates.listed(DuplicateStatus.MERGED)
    for account in (own_storage, hq_storage):  # the scan sees the values where they are
        assert shopper.values[1].lower() in every_stored_text(account)

    bystander_channel = add_channel(dependencies, async_customer_creation=True)
    bystander = create_customer(
        dependencies,
        channel_id=bystander_channel.channel_id,
        body={
            "firstName": "Hélène",
            "lastName": "Bystander",
            "email": f"h.{uuid.uuid4().hex[:6]}@example.com",
        },
    ).customer
    done = worked(dependencies, "erasure", shopper.account_number)
    dependencies.event_publisher.flush()

    stored = every_stored_text(own_storage) + every_stored_text(hq_storage)
    for value in shopper.values:
        assert value.lower() not in stored, value
    assert done.summary["ChannelCustomers (tombstones)"] == 2 and done.summary["HqCustomerAddresses"] >= 1
    assert dependencies.duplicates.get(candidate.duplicate_id) is None
    for ref in (shopper.customer_id, shopper.account_number):
        with pytest.raises(CustomerErased):
            get_customer(dependencies, channel_id=shopper.channel_id, ref=ref)
    events = dependencies.customer_events.after(shopper.account_number, 0)
    assert [event.type.value for event in events] == ["customer.erased"]
    assert set(events[0].data) == {"accountNumber", "erasedAt"}
    erased = JSONFormat().read(None, json.dumps(events[0].cloud_event(dependencies.settings.event_source)))
    assert erased.get_type() == "customer.erased" and erased.get_subject() == shopper.account_number
    # Asked again, it finds everything erased and tells nothing twice: its event is kept, once.
    worked(dependencies, "erasure", shopper.customer_id)
    dependencies.event_publisher.flush()
    assert dependencies.customer_events.after(shopper.account_number, 0) == events
    oldest = dependencies.clock() - timedelta(days=1)
    told, _ = dependencies.event_feed.read(after=None, until=dependencies.clock(), oldest=oldest, limit=100)
    assert [
        (event.account_number, event.type.value)
        for event in told
        if event.account_number == shopper.account_number
    ] == [(shopper.account_number, "customer.erased")]
    # The bystander is untouched and still converts.
    convert_async_customer(
        dependencies, channel_id=bystander_channel.channel_id, customer_id=bystander.customer_id
    )
    converted = get_customer(dependencies, channel_id=bystander_channel.channel_id, ref=bystander.customer_id)
    assert converted.account_number is not None and converted.last_name == "Bystander"


@pytest.mark.parametrize("crash_at", ERASURE_POINTS)
def test_an_erasure_cut_short_anywhere_is_finished_by_asking_again(own_storage: str, crash_at: str) -> None:
    crashing = make_dependencies(own_storage, faults=CrashAt(crash_at))
    shopper = shopper_through_every_feature(crashing)
    request = submit_request(crashing, {"kind": "erasure", "customer": shopper.customer_id})
    with pytest.raises(SimulatedCrash):
        work_request(crashing, request.request_id)
    for ref in (shopper.customer_id, shopper.account_number):  # refused from the first step on
        with pytest.raises(CustomerErased):
            get_customer(crashing, channel_id=shopper.channel_id, ref=ref)
    done = work_request(crashing, request.request_id)
    assert done is not None and done.status is RequestStatus.COMPLETED and done.attempts == 2
    stored = every_stored_text(own_storage)
    for value in shopper.values:
        assert value.lower() not in stored, value


def pending_shopper(dependencies: Dependencies) -> tuple[str, str, dict[str, Any]]:
    channel = add_channel(dependencies, async_customer_creation=True)
    body = {
        "customerId": str(uuid.uuid4()),
        "firstName": "Zoé",
        "lastName": f"Pending{uuid.uuid4().hex[:6]}",
        "phone": unique_phone(),
    }
    create_customer(
        dependencies, channel_id=channel.channel_id, body=body, idempotency_key=f"k-{body['customerId']}"
    )
    return channel.channel_id, body["customerId"], body


def test_an_erased_pending_customer_stays_erased_whatever_comes_after(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage)
    channel_id, customer_id, body = pending_shopper(dependencies)
    done = worked(dependencies, "erasure", customer_id)
    assert done.summary["ChannelCustomers (tombstones)"] == 1

    # A redelivered message, and the batch: nothing converts, no account number is bound.
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    run_conversion_batch(dependencies, trigger="test")
    assert dependencies.headquarters.account_number_of(customer_id) is None
    # A till back online uploads it again; a checkout replays its create, by id and by key.
    [outcome] = upload_offline_customers(dependencies, channel_id=channel_id, body={"customers": [body]})
    assert isinstance(outcome.error, CustomerErased)
    with pytest.raises(CustomerErased):
        create_customer(dependencies, channel_id=channel_id, body=body)
    replay = {name: value for name, value in body.items() if name != "customerId"}
    with pytest.raises(CustomerErased):
        create_customer(dependencies, channel_id=channel_id, body=replay, idempotency_key=f"k-{customer_id}")
    record = dependencies.customers.get(channel_id, customer_id)
    assert record is not None and record.erased_at is not None and record.profile.last_name is None


def test_an_erasure_racing_a_conversion_leaves_no_hq_customer_with_the_persons_values(
    own_storage: str,
) -> None:
    dependencies = make_dependencies(own_storage)
    channel_id, customer_id, body = pending_shopper(dependencies)
    # The conversion has written HQ's master when the erasure runs; it then finds its record erased.
    converting = make_dependencies(own_storage, faults=CrashAt("after-duplicates-detected"))
    with pytest.raises(SimulatedCrash):
        convert_async_customer(converting, channel_id=channel_id, customer_id=customer_id)
    account = dependencies.headquarters.account_number_of(customer_id)
    assert account is not None
    worked(dependencies, "erasure", customer_id)
    convert_async_customer(dependencies, channel_id=channel_id, customer_id=customer_id)
    master = dependencies.headquarters.get(account)
    assert master is not None and master.erased_at is not None and master.profile.last_name is None
    assert body["lastName"].lower() not in every_stored_text(own_storage)


def test_every_row_family_of_a_channel_partition_is_handled_by_erasure() -> None:
    assert set(ERASURE_OF) == set(RowFamily)


def test_the_timer_prunes_history_older_than_its_days_and_keeps_the_rest(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage, CONVERSION_LOG_DAYS=30)
    old_channel, old_id, _ = pending_shopper(dependencies)
    convert_async_customer(dependencies, channel_id=old_channel, customer_id=old_id)
    time.sleep(1.5)  # Azurite stamps rows with its own clock, to the millisecond
    cutoff = datetime.now(UTC) - timedelta(seconds=0.5)
    new_channel, new_id, _ = pending_shopper(dependencies)
    convert_async_customer(dependencies, channel_id=new_channel, customer_id=new_id)
    dependencies.clock = lambda: cutoff + timedelta(days=30)  # every history keeps 30 days here
    pruned = prune_channel_history(dependencies)
    assert pruned == {"converted": 1, "done": 1, "idempotency": 1}
    for channel_id, customer_id, kept in ((old_channel, old_id, 0), (new_channel, new_id, 1)):
        history = dependencies.customers.operation_history(channel_id, customer_id)
        assert len(history) == kept
    assert prune_channel_history(dependencies) == {"converted": 0, "done": 0, "idempotency": 0}


def test_a_person_linked_in_another_channel_is_one_person_for_export_and_erasure(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage, DUPLICATE_POLICY="link")
    email = f"linked.{uuid.uuid4().hex[:8]}@example.com"
    first, second = (add_channel(dependencies, async_customer_creation=True) for _ in range(2))
    body = {"firstName": "Inès", "lastName": "Lefebvre", "email": email, "emailVerified": True}
    own = create_customer(dependencies, channel_id=first.channel_id, body=body).customer
    convert_async_customer(dependencies, channel_id=first.channel_id, customer_id=own.customer_id)
    linked = create_customer(
        dependencies, channel_id=second.channel_id, body={**body, "phone": unique_phone()}
    ).customer
    convert_async_customer(dependencies, channel_id=second.channel_id, customer_id=linked.customer_id)

    done = worked(dependencies, "export", linked.customer_id)  # named by the linked GUID
    document = export_of(dependencies, done.request_id)
    assert set(document.customer_ids) == {own.customer_id, linked.customer_id}
    assert len(document.accounts) == 1

    worked(dependencies, "erasure", own.customer_id)
    for channel_id, customer_id in (
        (first.channel_id, own.customer_id),
        (second.channel_id, linked.customer_id),
    ):
        with pytest.raises(CustomerErased):
            get_customer(dependencies, channel_id=channel_id, ref=customer_id)
    assert email not in every_stored_text(own_storage)

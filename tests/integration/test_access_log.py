"""The access log on Azurite: a read never waits for its entry, entries list per key and per person,
and the timer prunes old days."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

from shared.domain.access_log import AccessAction, AccessEntry
from shared.services.access_log import Accessor, accessing, key_access_log, person_access_log
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer, get_customer
from tests.support.builders import add_channel, make_dependencies, person, unique_phone
from tests.support.faults import StorageFaults


class HeldAccessWrites(StorageFaults):
    """Holds every request the access log's writers send until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.held = threading.Event()

    def send(self, request: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("access-log"):
            self.held.set()
            self.release.wait(30)
        return super().send(request, **kwargs)


def test_a_read_answers_before_its_entry_is_written_and_makes_no_round_trip_for_it(
    storage_connection_string: str,
) -> None:
    transport = HeldAccessWrites()
    dependencies = make_dependencies(storage_connection_string, channel_transport=transport)
    channel = add_channel(dependencies, async_customer_creation=True)
    customer = create_customer(
        dependencies, channel_id=channel.channel_id, body=person(phone=unique_phone())
    ).customer
    get_customer(dependencies, channel_id=channel.channel_id, ref=customer.customer_id)  # warm
    transport.sent.clear()
    get_customer(dependencies, channel_id=channel.channel_id, ref=customer.customer_id)
    unrecorded = list(transport.sent)

    transport.sent.clear()
    with accessing(Accessor(channel.channel_id, "k" * 32)):
        read = get_customer(dependencies, channel_id=channel.channel_id, ref=customer.customer_id)
    # The read has answered while its entry's write is still held back: it did not wait for it.
    assert transport.held.wait(10) and not transport.release.is_set()
    assert read.customer_id == customer.customer_id
    sent_by_the_read = [call for call in transport.sent if "AccessLog" not in call and "$batch" not in call]
    assert sent_by_the_read == unrecorded
    transport.release.set()
    dependencies.access_recorder.flush()
    page = key_access_log(dependencies, channel_id=channel.channel_id, key_id="k" * 32, limit=10, cursor=None)
    assert [(entry.action, entry.customer_id) for entry in page.items] == [
        (AccessAction.READ, customer.customer_id)
    ]


def test_a_persons_log_gathers_the_pending_guid_and_the_account_it_became(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string)
    channel = add_channel(dependencies, async_customer_creation=True)
    key = uuid.uuid4().hex
    with accessing(Accessor(channel.channel_id, key)):
        created = create_customer(
            dependencies, channel_id=channel.channel_id, body=person(phone=unique_phone())
        ).customer
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=created.customer_id)
        synced = get_customer(dependencies, channel_id=channel.channel_id, ref=created.customer_id)
        get_customer(dependencies, channel_id=channel.channel_id, ref=str(synced.account_number))
    dependencies.access_recorder.flush()
    assert synced.account_number is not None
    for ref in (created.customer_id, synced.account_number):
        page = person_access_log(dependencies, ref=ref, limit=10, cursor=None)
        assert [entry.action for entry in page.items] == [
            AccessAction.READ,
            AccessAction.READ,
            AccessAction.CREATE,
        ]
        assert {entry.key_id for entry in page.items} == {key}
    first = person_access_log(dependencies, ref=created.customer_id, limit=2, cursor=None)
    rest = person_access_log(dependencies, ref=created.customer_id, limit=2, cursor=first.next_cursor)
    assert [entry.action for entry in first.items + rest.items] == [
        AccessAction.READ,
        AccessAction.READ,
        AccessAction.CREATE,
    ]
    assert rest.next_cursor is None


def test_the_timer_prunes_whole_days_past_the_retention_and_keeps_the_rest(own_storage: str) -> None:
    dependencies = make_dependencies(own_storage)
    now = dependencies.clock()
    channel_id, key_id, customer_id = f"store-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex, str(uuid.uuid4())

    def entry(days_ago: int) -> AccessEntry:
        return AccessEntry(
            at=now - timedelta(days=days_ago),
            channel_id=channel_id,
            key_id=key_id,
            action=AccessAction.READ,
            customer_id=customer_id,
            account_number=None,
        )

    dependencies.access_log.record([entry(120), entry(95), entry(91), entry(10), entry(0)])
    before = now - timedelta(days=90)
    deleted = 0
    while (pruned := dependencies.access_log.prune(before=before, limit=1)) > 0:
        deleted += pruned  # one at a time: a run's work is bounded, the next goes on
    assert deleted >= 3
    kept = dependencies.access_log.for_key(channel_id, key_id, after=None, limit=10)
    assert [entry.at for _, entry in kept] == [now, now - timedelta(days=10)]
    person = dependencies.access_log.for_person(
        customer_ids=[customer_id], account_numbers=[], after=None, limit=10
    )
    assert len(person) == 2

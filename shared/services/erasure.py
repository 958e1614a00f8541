"""Erasure (GDPR Article 17): every personal value of the person leaves every store, and stays gone.

In order, each step safe to repeat, so an erasure that stops anywhere is finished by the next attempt:
1. every channel record and HQ master of the person says erased: from then on each GUID and account
   answers 410, and no conversion, redelivery, batch, upload or replayed create writes them again;
2. what was found by their values goes: match keys and claims, synced search entries, duplicate
   candidates;
3. the rows of every channel row family (`ERASURE_OF`), HQ addresses and cards, the events told
   about them (outbox, feed, webhook deliveries), their access log;
4. the records and masters become tombstones (ids and dates only);
5. `customer.erased` is told for each account, with the account number and the time only.
The summary counts what went, per store; never a value.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.domain.customer import CustomerChanges, CustomerRecord
from shared.domain.duplicates import match_keys, verified_email_key
from shared.domain.events import EventType, erased_data
from shared.domain.privacy import Person, PersonRecord
from shared.optimistic import retry_on_conflict
from shared.services.customer_events import mark_told, new_event
from shared.services.dependencies import Dependencies
from shared.services.fault_points import (
    AFTER_ERASURE_BLANKED,
    AFTER_ERASURE_MARKED,
    AFTER_ERASURE_ROWS_REMOVED,
    AFTER_ERASURE_UNINDEXED,
)
from shared.services.linking import release_claim
from shared.services.search import unindex_merged_customer
from shared.storage.ports import HqCustomer, RecordChanged

logger = logging.getLogger(__name__)


def erase_person(dependencies: Dependencies, person: Person) -> dict[str, int]:
    at = dependencies.clock()
    removed: Counter[str] = Counter()
    records = _mark_records(dependencies, person, at)
    masters = _mark_masters(dependencies, person.accounts, at)
    dependencies.faults.reach(AFTER_ERASURE_MARKED)
    _unindex(dependencies, records, masters, removed)
    dependencies.faults.reach(AFTER_ERASURE_UNINDEXED)
    _remove_rows(dependencies, records, person.accounts, removed)
    dependencies.faults.reach(AFTER_ERASURE_ROWS_REMOVED)
    for record in records:
        _changed(dependencies, record.channel_id, record.customer_id, lambda current: current.blanked())
    for account in person.accounts:
        dependencies.headquarters.blank_master(account)
    removed["ChannelCustomers (tombstones)"] += len(records)
    removed["HqCustomers (tombstones)"] += len(masters)
    dependencies.faults.reach(AFTER_ERASURE_BLANKED)
    for master in masters:
        _tell(dependencies, master, erased_at=master.erased_at or at)
    logger.info("Erased a person: %d channel records, %d accounts", len(records), len(person.accounts))
    return dict(sorted(removed.items()))


def finish_erasure_of(dependencies: Dependencies, record: CustomerRecord) -> None:
    """A conversion that finds its record erased undoes what it wrote before it knew: the HQ master
    bound to the GUID (if it is this customer's own) is erased too."""
    account = dependencies.headquarters.account_number_of(record.customer_id)
    if account is None:
        return
    master = dependencies.headquarters.get(account)
    if master is None or master.customer_id != record.customer_id or master.erased_at is not None:
        return
    person = Person(accounts=[account])
    person.add_record(PersonRecord(record.channel_id, record.customer_id))
    erase_person(dependencies, person)


def _mark_records(dependencies: Dependencies, person: Person, at: datetime) -> list[CustomerRecord]:
    marked = []
    for place in person.records:
        record = _changed(
            dependencies, place.channel_id, place.customer_id, lambda current: current.erased(at)
        )
        if record is not None:
            marked.append(record)
    return marked


def _mark_masters(dependencies: Dependencies, accounts: list[str], at: datetime) -> list[HqCustomer]:
    masters = []
    for account in accounts:
        dependencies.headquarters.mark_erased(account, at=at)
        master = dependencies.headquarters.get(account)
        if master is not None:
            masters.append(master)
    return masters


def _unindex(
    dependencies: Dependencies,
    records: list[CustomerRecord],
    masters: list[HqCustomer],
    removed: Counter[str],
) -> None:
    """What finds the person by their values goes, while the values are still there to name it."""
    for master in masters:
        keys = match_keys(master.profile)
        dependencies.match_index.remove(account_number=master.account_number, keys=keys)
        removed["HqMatchKeys"] += len(keys)
        claimed = verified_email_key(master.profile)
        if claimed is not None:
            release_claim(
                dependencies, claimed, account_number=master.account_number, customer_id=master.customer_id
            )
    own_account = {master.customer_id: master.account_number for master in masters}
    for record in records:
        # A conversion cut short indexed it under its account before the record said so.
        account = record.account_number or own_account.get(record.customer_id)
        if account is not None and not record.linked_to_existing:
            unindex_merged_customer(dependencies, record.model_copy(update={"account_number": account}))
            removed["CustomerSearchIndex"] += 1
    for candidate in dependencies.duplicates.involving([master.account_number for master in masters]):
        dependencies.duplicates.remove(candidate.duplicate_id)
        removed["HqDuplicates"] += 1


def _remove_rows(
    dependencies: Dependencies, records: list[CustomerRecord], accounts: list[str], removed: Counter[str]
) -> None:
    settings = dependencies.settings
    now = dependencies.clock()
    for record in records:
        for family, count in dependencies.customers.erase_rows(record.channel_id, record.customer_id).items():
            removed[f"ChannelCustomers ({family})"] += count
        removed["AccessLog"] += dependencies.access_log.remove_person(record.customer_id)
    webhooks = dependencies.webhooks.all()
    for account in accounts:
        removed["HqCustomerAddresses"] += dependencies.headquarters.remove_addresses(account)
        removed["HqLoyaltyCards"] += dependencies.headquarters.remove_loyalty_cards(account)
        removed["HqCustomers (events)"] += dependencies.customer_events.remove_events(account)
        removed["CustomerEventFeed"] += dependencies.event_feed.remove_account(
            account, oldest=now - timedelta(days=settings.feed_days), until=now
        )
        for webhook in webhooks:
            removed["WebhookDeliveries"] += dependencies.webhooks.remove_account(webhook.webhook_id, account)
        removed["AccessLog"] += dependencies.access_log.remove_person(account)


def _tell(dependencies: Dependencies, master: HqCustomer, *, erased_at: datetime) -> None:
    """`customer.erased`, once per account, whatever the attempts."""
    data = erased_data(master.account_number, erased_at)
    for event in new_event(dependencies, EventType.ERASED, lambda: data, change="erased"):
        dependencies.customer_events.record(master.account_number, event)
        mark_told(dependencies, channel_id=master.channel_id, account_number=master.account_number)


def _changed(
    dependencies: Dependencies,
    channel_id: str,
    customer_id: str,
    change: Callable[[CustomerRecord], CustomerChanges],
) -> CustomerRecord | None:
    """Applies `change` to the record as it is now, re-reading on a conflict; None when it is gone."""

    def attempt() -> CustomerRecord | None:
        current = dependencies.customers.get(channel_id, customer_id)
        if current is None:
            return None
        return dependencies.customers.save(change(current))

    return retry_on_conflict(attempt, conflicts=(RecordChanged,), exhausted=lambda: None)

"""Who read or changed a customer through which channel key: recorded without making the request
wait, listed per person (every GUID and account of theirs) and per key, and pruned by the timer.

The HTTP layer says who is calling (`accessing`); a use case says what it did to which customers
(`note_access`). Entries are written by a small pool of background writers, so recording adds no
round trip to a read and never makes it fail: an entry that cannot be written is logged (ids only)
and dropped, and an instance that stops loses what it had not written yet.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from shared.domain.access_log import AccessAction, AccessEntry, AccessPage
from shared.domain.errors import CustomerNotFound
from shared.domain.identifiers import is_account_number_shaped, is_guid
from shared.domain.paging import keyset_page, read_after
from shared.services.dependencies import Dependencies
from shared.services.resolution import record_of_master, surviving_master

logger = logging.getLogger(__name__)

DEFAULT_ACCESS_PAGE = 50
MAX_ACCESS_PAGE = 200
PRUNED_PER_RUN = 2_000  # entries one timer run deletes at most


@dataclass(frozen=True)
class Accessor:
    channel_id: str
    key_id: str


_accessor: contextvars.ContextVar[Accessor | None] = contextvars.ContextVar("accessor", default=None)


@contextmanager
def accessing(accessor: Accessor | None) -> Iterator[None]:
    """Marks what a request does as done through this channel key."""
    token = _accessor.set(accessor)
    try:
        yield
    finally:
        _accessor.reset(token)


class Accessed(Protocol):
    @property
    def customer_id(self) -> str: ...
    @property
    def account_number(self) -> str | None: ...


def note_access(dependencies: Dependencies, action: AccessAction, customers: Iterable[Accessed]) -> None:
    """Records that the calling channel key did `action` to these customers; outside a channel-key
    request (the queue, the timer, a test calling a use case) there is nobody to record."""
    accessor = _accessor.get()
    if accessor is None:
        return
    at = dependencies.clock()
    entries = [
        AccessEntry(
            at=at,
            channel_id=accessor.channel_id,
            key_id=accessor.key_id,
            action=action,
            customer_id=customer.customer_id,
            account_number=customer.account_number,
        )
        for customer in customers
    ]
    if entries:
        dependencies.access_recorder.submit(entries)


def key_access_log(
    dependencies: Dependencies, *, channel_id: str, key_id: str, limit: int, cursor: str | None
) -> AccessPage:
    found = dependencies.access_log.for_key(channel_id, key_id, after=read_after(cursor), limit=limit + 1)
    return _page(found, limit)


def person_access_log(dependencies: Dependencies, *, ref: str, limit: int, cursor: str | None) -> AccessPage:
    """Everything recorded about the person `ref` names, under every GUID and account that was
    theirs: merged customers' too, and the GUID they had while pending."""
    customer_ids, accounts = _person(dependencies, ref)
    found = dependencies.access_log.for_person(
        customer_ids=sorted(customer_ids),
        account_numbers=sorted(accounts),
        after=read_after(cursor),
        limit=limit + 1,
    )
    return _page(found, limit)


def prune_access_log(dependencies: Dependencies) -> int:
    """The timer's part: entries older than ACCESS_LOG_DAYS go, a bounded number per run."""
    before = dependencies.clock() - timedelta(days=dependencies.settings.access_log_days)
    return dependencies.access_log.prune(before=before, limit=PRUNED_PER_RUN)


def _person(dependencies: Dependencies, ref: str) -> tuple[set[str], set[str]]:
    customer_ids: set[str] = set()
    if is_guid(ref):
        customer_ids.add(ref.lower())
        account = dependencies.headquarters.account_number_of(ref.lower())
    elif is_account_number_shaped(ref):
        account = ref
    else:
        raise CustomerNotFound(f"'{ref}' is neither a customer GUID nor an account number")
    accounts: set[str] = set()
    survivor = surviving_master(dependencies, account) if account else None
    if account and survivor is not None:
        accounts |= {account, survivor.account_number}
        customer_ids.add(survivor.customer_id)
        record = record_of_master(dependencies, survivor)
        for merged in record.merged_account_numbers if record else []:
            accounts.add(merged)
            master = dependencies.headquarters.get(merged)
            if master is not None:
                customer_ids.add(master.customer_id)
    return customer_ids, accounts


def _page(found: list[tuple[str, AccessEntry]], limit: int) -> AccessPage:
    items, next_cursor = keyset_page(found, limit, lambda item: item[0])
    return AccessPage(items=[entry for _, entry in items], next_cursor=next_cursor)

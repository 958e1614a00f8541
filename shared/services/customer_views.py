"""A customer as responses show it: the record, its first addresses and how many it has."""

from __future__ import annotations

from shared.domain.address import Address, AddressPage
from shared.domain.customer import CustomerRecord
from shared.domain.paging import keyset_page, read_after
from shared.domain.views import EMBEDDED_ADDRESSES, CustomerPublic
from shared.services.dependencies import Dependencies

DEFAULT_ADDRESS_PAGE = 50
MAX_ADDRESS_PAGE = 100


def customer_view(dependencies: Dependencies, record: CustomerRecord) -> CustomerPublic:
    """One read for a customer with up to 20 addresses; a key-only count for one with more."""
    return view_with(dependencies, record, first_addresses(dependencies, record))


def first_addresses(dependencies: Dependencies, record: CustomerRecord) -> list[Address]:
    """The addresses a customer shows, and one more if it has more (then they are counted)."""
    return dependencies.customers.addresses(
        record.channel_id, record.customer_id, limit=EMBEDDED_ADDRESSES + 1
    )


def view_with(dependencies: Dependencies, record: CustomerRecord, first: list[Address]) -> CustomerPublic:
    count = len(first)
    if count > EMBEDDED_ADDRESSES:
        count = dependencies.customers.address_count(record.channel_id, record.customer_id)
    return CustomerPublic.of(record, first, address_count=count)


def address_page(
    dependencies: Dependencies, record: CustomerRecord, *, limit: int, cursor: str | None
) -> AddressPage:
    found = dependencies.customers.addresses(
        record.channel_id, record.customer_id, after=read_after(cursor), limit=limit + 1
    )
    items, next_cursor = keyset_page(found, limit, lambda address: address.address_id)
    return AddressPage(items=items, next_cursor=next_cursor)

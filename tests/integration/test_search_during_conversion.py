"""A search made while its customer converts still finds it, on Azurite.

The customer's entries move from its channel's pending index to the synced one during conversion.
Here the conversion runs at the worst moment, right after the search read the synced entries and
before it reads the pending ones, through a hook around the real search index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from shared.domain.search import SYNCED_SCOPE, SearchQuery, SearchTerm
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.search import search_customers
from shared.storage.ports import IndexHit, SearchIndex
from tests.support.builders import add_channel, make_dependencies, person, unique_phone


class ConvertsAfterSyncedRead:
    """The real index; right after a search reads synced entries, `meanwhile` runs once."""

    def __init__(self, inner: SearchIndex, meanwhile: Callable[[], None]) -> None:
        self.inner = inner
        self.meanwhile: Callable[[], None] | None = meanwhile

    def add(
        self, *, scope: str, channel_id: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str
    ) -> None:
        self.inner.add(
            scope=scope, channel_id=channel_id, customer_id=customer_id, terms=terms, sort_key=sort_key
        )

    def remove(self, *, scope: str, customer_id: str, terms: Iterable[SearchTerm], sort_key: str) -> None:
        self.inner.remove(scope=scope, customer_id=customer_id, terms=terms, sort_key=sort_key)

    def find(self, *, scope: str, query: SearchQuery, after: str | None = None) -> Iterator[IndexHit]:
        hits = list(self.inner.find(scope=scope, query=query, after=after))
        if scope == SYNCED_SCOPE and self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return iter(hits)


def test_a_customer_converting_during_the_search_is_still_found(storage_connection_string: str) -> None:
    dependencies = make_dependencies(storage_connection_string)
    channel = add_channel(dependencies, async_customer_creation=True)
    email = f"midway.{unique_phone()[-7:]}@example.com"
    created = create_customer(
        dependencies, channel_id=channel.channel_id, body=person(email=email, phone=unique_phone())
    )
    customer_id = created.customer.customer_id

    def convert() -> None:
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=customer_id)

    dependencies.search_index = ConvertsAfterSyncedRead(dependencies.search_index, convert)
    page = search_customers(dependencies, channel_id=channel.channel_id, text=email)
    assert [item.customer_id for item in page.items] == [customer_id]
    assert page.items[0].sync_status.value == "Synced"  # it did convert in the middle of the search
    again = search_customers(dependencies, channel_id=channel.channel_id, text=email)
    assert [item.customer_id for item in again.items] == [customer_id]  # and is listed once after

"""Customer search for a channel, and keeping the search index in step with customer records.

Consistency rule: index entries are written BEFORE the record they point to changes (create, edit,
conversion), and every hit is verified against the record on read. A crash between the two can
therefore leave a stale entry, which the read filters out, but never hides a customer that its
record says should be found. The one exception is an entry for a term the customer no longer has:
it is deleted only AFTER the record changed, so a crash leaves it stale, never missing.

Verification also decides visibility: a pending customer is returned only in its own channel, so an
entry written ahead of conversion cannot leak a pending customer into other channels.
"""

from __future__ import annotations

from shared.domain.customer import CustomerPublic, CustomerRecord
from shared.domain.search import SYNCED_SCOPE, SearchQuery, index_terms, query_terms, scope_for
from shared.services.channels import require_channel
from shared.services.dependencies import Dependencies
from shared.storage.ports import IndexHit

DEFAULT_SEARCH_LIMIT = 50


def search_customers(
    dependencies: Dependencies, *, channel_id: str, text: str, limit: int = DEFAULT_SEARCH_LIMIT
) -> list[CustomerPublic]:
    """Synced customers of every channel and pending ones of this channel; exact matches first."""
    channel = require_channel(dependencies, channel_id)
    queries = query_terms(text, default_country=channel.default_country)
    found: list[CustomerPublic] = []
    returned: set[IndexHit] = set()
    # A hit stale for one query may still match the next (an old e-mail, a current name): read once.
    records: dict[IndexHit, CustomerRecord | None] = {}
    for query in queries:
        for scope in (SYNCED_SCOPE, channel.channel_id):
            for hit in dependencies.search_index.find(scope=scope, query=query, limit=limit):
                if hit in returned:
                    continue
                if hit not in records:
                    records[hit] = dependencies.customers.get(hit.channel_id, hit.customer_id)
                record = records[hit]
                if record is None or not _answers(record, query, channel_id=channel.channel_id):
                    continue
                returned.add(hit)
                found.append(_view(dependencies, record))
                if len(found) >= limit:
                    return found
    return found


def _answers(record: CustomerRecord, query: SearchQuery, *, channel_id: str) -> bool:
    """Whether the record may be seen from this channel and still carries the term searched for."""
    if record.is_pending and record.channel_id != channel_id:
        return False
    return query.matches(index_terms(record.profile, record.account_number))


def _view(dependencies: Dependencies, record: CustomerRecord) -> CustomerPublic:
    # Same as customers.customer_view; not imported from there because conversion, which
    # customers imports, calls into this module to index converted customers.
    addresses = dependencies.customers.addresses(record.channel_id, record.customer_id)
    return CustomerPublic.of(record, addresses)


def index_new_customer(dependencies: Dependencies, record: CustomerRecord) -> None:
    """Call before the record is inserted: pending customers in their channel, synced ones everywhere."""
    dependencies.search_index.add(
        scope=scope_for(record.channel_id, synced=not record.is_pending),
        channel_id=record.channel_id,
        customer_id=record.customer_id,
        terms=index_terms(record.profile, record.account_number),
    )


def index_converted_customer(dependencies: Dependencies, record: CustomerRecord) -> None:
    """Makes the customer findable in every channel, account number included, then drops its
    pending entries; `record` must carry the account number.

    Best called between binding the account number and marking the record synced: until the record
    says synced, verification keeps the customer visible only in its own channel.
    """
    terms = index_terms(record.profile, record.account_number)
    dependencies.search_index.add(
        scope=SYNCED_SCOPE,
        channel_id=record.channel_id,
        customer_id=record.customer_id,
        terms=terms,
    )
    dependencies.search_index.remove(
        scope=scope_for(record.channel_id, synced=False),
        customer_id=record.customer_id,
        terms=terms,
    )


def index_before_edit(dependencies: Dependencies, after: CustomerRecord) -> None:
    """Call before saving an edit: the new terms are findable as soon as the record has them.

    All terms are written, not only the new ones, so an edit also repairs a customer's entries.
    """
    dependencies.search_index.add(
        scope=scope_for(after.channel_id, synced=not after.is_pending),
        channel_id=after.channel_id,
        customer_id=after.customer_id,
        terms=index_terms(after.profile, after.account_number),
    )


def reindex_after_edit(dependencies: Dependencies, before: CustomerRecord, after: CustomerRecord) -> None:
    """Call after saving an edit: adds the new terms (again) and deletes the ones the edit removed."""
    index_before_edit(dependencies, after)
    removed = index_terms(before.profile, before.account_number) - index_terms(
        after.profile, after.account_number
    )
    if not removed:
        return
    # Both scopes: an entry of the other one may be left over from a conversion that crashed.
    for synced in (True, False):
        dependencies.search_index.remove(
            scope=scope_for(after.channel_id, synced=synced),
            customer_id=after.customer_id,
            terms=removed,
        )
    # A concurrent edit may have put a removed term back into the record: its entry must survive.
    current = dependencies.customers.get(after.channel_id, after.customer_id)
    if current is None:
        return
    restored = removed & index_terms(current.profile, current.account_number)
    if restored:
        dependencies.search_index.add(
            scope=scope_for(current.channel_id, synced=not current.is_pending),
            channel_id=current.channel_id,
            customer_id=current.customer_id,
            terms=restored,
        )

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

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice

from shared.domain.access_log import AccessAction
from shared.domain.customer import CustomerRecord
from shared.domain.errors import ChannelKindForbidsSearch, FieldError, ValidationFailed
from shared.domain.paging import decode_cursor, encode_cursor
from shared.domain.search import (
    ACCOUNT,
    SYNCED_SCOPE,
    SearchQuery,
    SearchTerm,
    index_terms,
    key_term,
    query_terms,
    scope_for,
    sort_key,
)
from shared.domain.views import CustomerPage
from shared.services.access_log import note_access
from shared.services.channels import require_channel
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies
from shared.storage.ports import IndexHit

DEFAULT_SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Phase:
    """One index range a search reads, in the contract's order: synced customers (whose entries sort
    by account number), then this channel's pending ones (by creation time)."""

    query: SearchQuery
    synced: bool


def search_phases(queries: list[SearchQuery]) -> list[Phase]:
    synced = [Phase(query, synced=True) for query in queries]
    pending = [Phase(query, synced=False) for query in queries if query.kind != ACCOUNT]
    return synced + pending


def search_customers(
    dependencies: Dependencies,
    *,
    channel_id: str,
    text: str,
    limit: int = DEFAULT_SEARCH_LIMIT,
    cursor: str | None = None,
) -> CustomerPage:
    """Synced customers of every channel, then this channel's pending ones, a page at a time.

    The exact account number comes first; then, kind by kind (e-mail, phone, whole name, name
    prefix), synced customers by account number and pending ones by creation time. A customer is
    listed once, in the first phase it answers, so pages never repeat one. Each page reads the
    entries it returns, their stale neighbours, and one more to know whether a next page exists.
    """
    channel = require_channel(dependencies, channel_id)
    if not channel.reaches_everyone():
        raise ChannelKindForbidsSearch(
            f"Channel '{channel_id}' is {channel.kind.value}: its keys may not search"
        )
    phases = search_phases(query_terms(text, default_country=channel.default_country))
    position = decode_cursor(cursor) or {}
    first_phase, after = _resume_at(position, len(phases))
    found: list[CustomerRecord] = []
    last: tuple[int, str] | None = None
    records: dict[str, CustomerRecord | None] = {}

    def entries(index: int) -> Iterator[IndexHit]:
        return dependencies.search_index.find(
            scope=SYNCED_SCOPE if phases[index].synced else channel.channel_id,
            query=phases[index].query,
            after=after if index == first_phase else None,
        )

    # The pending entries are read before the synced ones: a customer converting meanwhile is then
    # in one or the other (see `_listed_here`), never in neither.
    pending_first = {
        index: _read_ahead(entries(index), limit + 1)
        for index in range(first_phase, len(phases))
        if not phases[index].synced
    }
    for index in range(first_phase, len(phases)):
        hits = pending_first.get(index) or entries(index)
        for hit in hits:
            if hit.customer_id not in records:
                records[hit.customer_id] = dependencies.customers.get(hit.channel_id, hit.customer_id)
            record = records[hit.customer_id]
            if record is None or not _listed_here(
                record, hit, phases, index, channel_id=channel.channel_id, first_phase=first_phase
            ):
                continue
            if any(kept.customer_id == record.customer_id for kept in found):
                continue
            if len(found) == limit:  # one more exists: this page is full and another follows
                assert last is not None
                cursor_out = encode_cursor({"phase": last[0], "after": last[1]})
                return _seen(dependencies, found, next_cursor=cursor_out)
            found.append(record)
            last = (index, hit.row_key)
    return _seen(dependencies, found, next_cursor=None)


def _seen(
    dependencies: Dependencies, found: list[CustomerRecord], *, next_cursor: str | None
) -> CustomerPage:
    """The page a search returns; each customer on it is recorded as found by the calling key."""
    note_access(dependencies, AccessAction.SEARCH, found)
    return CustomerPage(
        items=[customer_view(dependencies, record) for record in found], next_cursor=next_cursor
    )


def _resume_at(position: dict[str, object], phase_count: int) -> tuple[int, str | None]:
    phase, after = position.get("phase", 0), position.get("after")
    if (
        not isinstance(phase, int)
        or not 0 <= phase < max(phase_count, 1)
        or not isinstance(after, str | None)
    ):
        raise ValidationFailed([FieldError("cursor", "is not a cursor this search gave out")])
    return phase, after


def _read_ahead(hits: Iterator[IndexHit], count: int) -> Iterator[IndexHit]:
    """Reads the first `count` entries now; the rest, if the page needs them, later."""
    head = list(islice(hits, count))
    return chain(head, hits)


def _listed_here(
    record: CustomerRecord,
    hit: IndexHit,
    phases: list[Phase],
    index: int,
    *,
    channel_id: str,
    first_phase: int,
) -> bool:
    """Whether this entry is where the customer is listed: it may be seen from this channel, it
    still has the term, and no earlier phase (nor an earlier entry of this one) lists it.

    A customer of this channel found through a pending entry but synced by now converted during
    this search, after its synced entries were read: it is listed here, where it was found, when
    this request read every synced phase that would have listed it (on an earlier page it would be
    listed already)."""
    if record.merged_into is not None:  # merged into its survivor, which search lists instead
        return False
    if record.erased_at is not None:  # erased: its entries are going, and it is listed nowhere
        return False
    phase = phases[index]
    terms = index_terms(record.profile, record.account_number)
    if not phase.query.matches(terms):
        return False
    own = record.channel_id == channel_id
    synced_phases = [
        n for n, earlier in enumerate(phases[:index]) if earlier.synced and earlier.query.matches(terms)
    ]
    converted_meanwhile = (
        not phase.synced and own and not record.is_pending and all(n >= first_phase for n in synced_phases)
    )
    if not converted_meanwhile:
        own_pending = record.is_pending and own
        # A customer being converted has its synced entries before its record says synced: it stays
        # visible in its own channel all along.
        if not (own_pending if not phase.synced else (not record.is_pending or own_pending)):
            return False
        if any(
            earlier.synced == (not record.is_pending) and earlier.query.matches(terms)
            for earlier in phases[:index]
        ):
            return False
    return not phase.query.prefix or hit.encoded_term == _first_matching_term(phase.query, terms)


def _first_matching_term(query: SearchQuery, terms: set[SearchTerm]) -> str:
    """A customer has several names starting alike ("ada", "ada lovelace"): only its first entry in
    key order lists it, so it is never listed twice across pages."""
    return min(
        key_term(term.term) for term in terms if term.kind == query.kind and term.term.startswith(query.term)
    )


def index_new_customer(dependencies: Dependencies, record: CustomerRecord) -> None:
    """Writes a record's entries on their own: pending in its channel, synced everywhere. A create
    writes them inside its own transaction instead; this serves repairs and tests."""
    _add(
        dependencies, record, index_terms(record.profile, record.account_number), synced=not record.is_pending
    )


def index_converted_customer(dependencies: Dependencies, record: CustomerRecord) -> None:
    """Makes the customer findable in every channel, account number included; `record` must carry
    the account number. Its pending entries go with the mark-synced transaction.

    Best called between binding the account number and marking the record synced: until the record
    says synced, verification keeps the customer visible only in its own channel.
    """
    _add(dependencies, record, index_terms(record.profile, record.account_number), synced=True)


def index_before_edit(dependencies: Dependencies, after: CustomerRecord) -> None:
    """Call before saving an edit: the new terms are findable as soon as the record has them.

    All terms are written, not only the new ones, so an edit also repairs a customer's entries.
    """
    _add(dependencies, after, index_terms(after.profile, after.account_number), synced=not after.is_pending)


def reindex_after_edit(dependencies: Dependencies, before: CustomerRecord, after: CustomerRecord) -> None:
    """Call after saving an edit: adds the new terms (again) and deletes the ones the edit removed."""
    index_before_edit(dependencies, after)
    removed = index_terms(before.profile, before.account_number) - index_terms(
        after.profile, after.account_number
    )
    if not removed:
        return
    # Both scopes: an entry of the other one may be left over from a conversion that crashed.
    _remove(dependencies, after, removed, synced=False)
    if after.account_number is not None:
        _remove(dependencies, after, removed, synced=True)
    # A concurrent edit may have put a removed term back into the record: its entry must survive.
    current = dependencies.customers.get(after.channel_id, after.customer_id)
    if current is None:
        return
    restored = removed & index_terms(current.profile, current.account_number)
    if restored:
        _add(dependencies, current, restored, synced=not current.is_pending)


def unindex_merged_customer(dependencies: Dependencies, record: CustomerRecord) -> None:
    """A merged customer's entries go; until they do, verification already skips them."""
    if record.account_number is not None:
        _remove(dependencies, record, index_terms(record.profile, record.account_number), synced=True)


def _add(dependencies: Dependencies, record: CustomerRecord, terms: set[SearchTerm], *, synced: bool) -> None:
    dependencies.search_index.add(
        scope=scope_for(record.channel_id, synced=synced),
        channel_id=record.channel_id,
        customer_id=record.customer_id,
        terms=terms,
        sort_key=sort_key(record, synced=synced),
    )


def _remove(
    dependencies: Dependencies, record: CustomerRecord, terms: set[SearchTerm], *, synced: bool
) -> None:
    dependencies.search_index.remove(
        scope=scope_for(record.channel_id, synced=synced),
        customer_id=record.customer_id,
        terms=terms,
        sort_key=sort_key(record, synced=synced),
    )

"""Customer search on Azurite: index entries by key range, verified against the customer records."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from azure.data.tables import TableServiceClient, UpdateMode

from shared.domain.channel import Channel
from shared.domain.contact import normalise_phone
from shared.domain.customer import CustomerRecord
from shared.domain.errors import ChannelNotFound, ValidationFailed
from shared.domain.search import NAME, SearchQuery, SearchTerm, fold_name, key_term, scope_for
from shared.domain.values import SyncStatus
from shared.domain.views import CustomerPage, CustomerPublic
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.search import (
    index_before_edit,
    index_converted_customer,
    index_new_customer,
    reindex_after_edit,
    search_customers,
)
from shared.storage.account import StorageAccount
from shared.storage.channel_rows import CUSTOMERS_TABLE, customer_row
from shared.storage.search_index import SEARCH_INDEX_TABLE, CustomerSearchIndex, partition_key
from tests.support.builders import add_channel, make_dependencies, person

INJECTION = "' or PartitionKey ne '"


@pytest.fixture
def dependencies(storage_connection_string: str) -> Dependencies:
    dependencies = make_dependencies(storage_connection_string)
    dependencies.search_index = CustomerSearchIndex(StorageAccount(storage_connection_string))
    return dependencies


@pytest.fixture
def index(dependencies: Dependencies) -> CustomerSearchIndex:
    assert isinstance(dependencies.search_index, CustomerSearchIndex)
    return dependencies.search_index


def token() -> str:
    return uuid.uuid4().hex[:12]


def unique_us_phone() -> str:
    while True:
        candidate = f"+1212{random.randint(230, 989)}{random.randint(0, 9999):04d}"
        try:
            return normalise_phone(candidate, "USA")
        except ValueError:
            continue


def unique_person(**overrides: Any) -> dict[str, Any]:
    mark = token()
    body = person(
        firstName=f"Ada{mark}",
        lastName=f"Lovelace{mark}",
        email=f"ada.{mark}@example.com",
        phone=unique_us_phone(),
    )
    body.update(overrides)
    return body


def pending_channel(dependencies: Dependencies) -> Channel:
    return add_channel(dependencies, async_customer_creation=True)


def create_indexed(dependencies: Dependencies, channel: Channel, body: dict[str, Any]) -> CustomerRecord:
    """Creates a customer the way a POS does, then writes its entries once more, which must change
    nothing."""
    created = create_customer(dependencies, channel_id=channel.channel_id, body=body)
    record = dependencies.customers.get(channel.channel_id, created.customer.customer_id)
    assert record is not None
    index_new_customer(dependencies, record)
    return record


def convert_and_index(dependencies: Dependencies, record: CustomerRecord) -> CustomerRecord:
    convert_async_customer(dependencies, channel_id=record.channel_id, customer_id=record.customer_id)
    synced = dependencies.customers.get(record.channel_id, record.customer_id)
    assert synced is not None and synced.sync_status is SyncStatus.SYNCED
    index_converted_customer(dependencies, synced)
    return synced


def ids(found: CustomerPage | list[CustomerPublic]) -> list[str]:
    customers = found.items if isinstance(found, CustomerPage) else found
    return [customer.customer_id for customer in customers]


def search(dependencies: Dependencies, channel: Channel, text: str, **options: Any) -> list[str]:
    return ids(search_customers(dependencies, channel_id=channel.channel_id, text=text, **options))


def save_profile_edit(connection_string: str, record: CustomerRecord) -> None:
    """Writes an edited profile to the channel record, standing in for the edit use case."""
    table = TableServiceClient.from_connection_string(connection_string).get_table_client(CUSTOMERS_TABLE)
    table.update_entity(
        {
            "PartitionKey": record.channel_id,
            "RowKey": customer_row(record.customer_id),
            "Profile": record.profile.model_dump_json(by_alias=True),
        },
        mode=UpdateMode.MERGE,
    )


def with_email(record: CustomerRecord, email: str) -> CustomerRecord:
    return record.model_copy(update={"profile": record.profile.model_copy(update={"email": email})})


# -- finding customers ------------------------------------------------------------------------


def test_converted_customer_is_found_by_account_number_in_every_channel(
    dependencies: Dependencies,
) -> None:
    home, elsewhere = pending_channel(dependencies), add_channel(dependencies)
    synced = convert_and_index(dependencies, create_indexed(dependencies, home, unique_person()))
    assert synced.account_number is not None
    assert search(dependencies, elsewhere, synced.account_number.lower()) == [synced.customer_id]
    assert search(dependencies, home, synced.account_number) == [synced.customer_id]


def test_email_is_found_whatever_its_case(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    body = unique_person()
    record = create_indexed(dependencies, channel, body)
    assert search(dependencies, channel, body["email"].upper()) == [record.customer_id]


def test_additional_email_is_found(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    extra = f"billing.{token()}@Example.com"
    record = create_indexed(dependencies, channel, unique_person(additionalEmails=[extra]))
    assert search(dependencies, channel, extra.lower()) == [record.customer_id]


def test_phone_in_national_format_is_found(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    phone = unique_us_phone()
    record = create_indexed(dependencies, channel, unique_person(phone=phone))
    national = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    assert record.customer_id in search(dependencies, channel, national)


def test_name_prefix_is_found_whatever_the_case_and_accents(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    mark = token()
    record = create_indexed(dependencies, channel, unique_person(firstName="Zoë", lastName=f"Östlund{mark}"))
    assert search(dependencies, channel, f"OSTLUND{mark[:6]}") == [record.customer_id]
    assert search(dependencies, channel, f"zoe  östlund{mark}") == [record.customer_id]
    assert search(dependencies, channel, f"Östlund{mark}x") == []


def test_organization_is_found_by_any_word_of_its_name(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    mark = token()
    body = {"customerType": "Organization", "organizationName": f"Contoso Café Q{mark}"}
    record = create_indexed(dependencies, channel, body)
    assert search(dependencies, channel, f"cafe q{mark}") == [record.customer_id]
    assert search(dependencies, channel, f"Q{mark}") == [record.customer_id]
    assert record.customer_id in search(dependencies, channel, "CAFÉ")


# -- visibility across channels ---------------------------------------------------------------


def test_pending_customer_is_found_only_in_its_own_channel(dependencies: Dependencies) -> None:
    home, elsewhere = pending_channel(dependencies), pending_channel(dependencies)
    body = unique_person()
    record = create_indexed(dependencies, home, body)
    assert record.is_pending
    for text in (body["email"], body["lastName"], body["phone"]):
        assert search(dependencies, home, text) == [record.customer_id]
        assert search(dependencies, elsewhere, text) == []


def test_converted_customer_is_found_in_every_channel_and_leaves_no_pending_entries(
    dependencies: Dependencies, index: CustomerSearchIndex
) -> None:
    home, elsewhere = pending_channel(dependencies), pending_channel(dependencies)
    body = unique_person()
    record = convert_and_index(dependencies, create_indexed(dependencies, home, body))
    assert search(dependencies, elsewhere, body["email"]) == [record.customer_id]
    assert search(dependencies, home, body["email"]) == [record.customer_id]
    pending_scope = scope_for(home.channel_id, synced=False)
    assert list(index.find(scope=pending_scope, query=SearchQuery("email", body["email"]))) == []


def test_entries_written_ahead_of_conversion_do_not_leak_a_pending_customer(
    dependencies: Dependencies,
) -> None:
    home, elsewhere = pending_channel(dependencies), pending_channel(dependencies)
    body = unique_person()
    record = create_indexed(dependencies, home, body)
    # As if conversion crashed after indexing and before the record was marked synced.
    index_converted_customer(dependencies, record.model_copy(update={"account_number": f"X{token()}"}))
    assert search(dependencies, home, body["email"]) == [record.customer_id]
    assert search(dependencies, elsewhere, body["email"]) == []


def test_sync_created_customer_is_found_in_every_channel(dependencies: Dependencies) -> None:
    home, elsewhere = add_channel(dependencies), add_channel(dependencies)
    body = unique_person()
    record = create_indexed(dependencies, home, body)
    assert not record.is_pending
    assert search(dependencies, elsewhere, body["email"]) == [record.customer_id]


# -- stale entries ----------------------------------------------------------------------------


def customer_and_new_email(dependencies: Dependencies) -> tuple[Channel, CustomerRecord, CustomerRecord]:
    """A pending customer, indexed, and the same customer with a new e-mail (not saved yet)."""
    channel = pending_channel(dependencies)
    before = create_indexed(dependencies, channel, unique_person())
    return channel, before, with_email(before, f"new.{token()}@example.com")


def test_edited_email_is_found_and_the_old_one_no_longer_is(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel, before, after = customer_and_new_email(dependencies)
    index_before_edit(dependencies, after)
    save_profile_edit(storage_connection_string, after)
    reindex_after_edit(dependencies, before, after)
    assert search(dependencies, channel, str(after.profile.email)) == [before.customer_id]
    assert search(dependencies, channel, str(before.profile.email)) == []


def test_late_cleanup_of_an_earlier_edit_keeps_the_current_email_findable(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel, original, changed = customer_and_new_email(dependencies)
    # Two edits: the first changes the e-mail, the second changes it back and finishes first.
    index_before_edit(dependencies, changed)
    save_profile_edit(storage_connection_string, changed)
    index_before_edit(dependencies, original)
    save_profile_edit(storage_connection_string, original)
    reindex_after_edit(dependencies, changed, original)
    reindex_after_edit(dependencies, original, changed)
    assert search(dependencies, channel, str(original.profile.email)) == [original.customer_id]
    assert search(dependencies, channel, str(changed.profile.email)) == []


def test_entry_of_an_edit_that_was_never_saved_is_not_returned(dependencies: Dependencies) -> None:
    channel, before, after = customer_and_new_email(dependencies)
    index_before_edit(dependencies, after)
    assert search(dependencies, channel, str(after.profile.email)) == []
    assert search(dependencies, channel, str(before.profile.email)) == [before.customer_id]


def test_old_email_left_in_the_index_is_not_returned(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    channel, before, after = customer_and_new_email(dependencies)
    index_before_edit(dependencies, after)
    save_profile_edit(storage_connection_string, after)
    # Crash before reindex_after_edit: the old e-mail's entry stays behind.
    assert search(dependencies, channel, str(before.profile.email)) == []
    assert search(dependencies, channel, str(after.profile.email)) == [before.customer_id]


def test_entry_of_a_customer_that_was_never_written_is_not_returned(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    stored = create_indexed(dependencies, channel, unique_person())
    ghost = stored.model_copy(update={"customer_id": str(uuid.uuid4())})
    index_new_customer(dependencies, ghost)
    assert search(dependencies, channel, str(stored.profile.email)) == [stored.customer_id]


# -- query syntax is data ---------------------------------------------------------------------


def test_query_syntax_in_a_name_is_matched_literally(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    mark = token()
    tricky = create_indexed(dependencies, channel, unique_person(firstName=f"Eq{mark}", lastName=INJECTION))
    decoy = create_indexed(dependencies, channel, unique_person(firstName=f"Or{mark}"))
    assert search(dependencies, channel, f"eq{mark} {INJECTION}") == [tricky.customer_id]
    found = search_customers(dependencies, channel_id=channel.channel_id, text=INJECTION, limit=50).items
    assert tricky.customer_id in ids(found)
    assert decoy.customer_id not in ids(found)
    assert all(customer.last_name == INJECTION for customer in found)
    assert search(dependencies, channel, f"or{mark}") == [decoy.customer_id]


@pytest.mark.parametrize("text", [INJECTION, "' or ''='", "x') or true or ('", "eq", "*"])
def test_query_syntax_in_search_text_finds_nothing_it_does_not_name(
    dependencies: Dependencies, text: str
) -> None:
    channel = pending_channel(dependencies)
    create_indexed(dependencies, channel, unique_person())
    wanted = fold_name(text)
    for customer in search_customers(dependencies, channel_id=channel.channel_id, text=text).items:
        # Other tests' synced customers are visible too; each hit must still be a real name match:
        # a name, or (organizations) a name from one of its words on, starting with the text.
        parts = (customer.first_name, customer.middle_name, customer.last_name)
        names = [fold_name(name) for name in (customer.first_name, customer.last_name) if name]
        names += [fold_name(" ".join(part for part in parts if part))]
        if customer.first_name and customer.last_name:
            names.append(fold_name(f"{customer.first_name} {customer.last_name}"))
        if customer.organization_name:
            words = fold_name(customer.organization_name).split()
            names += [" ".join(words[start:]) for start in range(len(words))]
        assert any(name.startswith(wanted) for name in names)


# -- limits and errors ------------------------------------------------------------------------


def test_limit_is_respected(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    family = f"Babbage{token()}"
    created = {
        create_indexed(dependencies, channel, unique_person(lastName=family)).customer_id for _ in range(5)
    }
    first = search_customers(dependencies, channel_id=channel.channel_id, text=family, limit=3)
    assert len(first.items) == 3 and first.next_cursor is not None
    rest = search_customers(
        dependencies, channel_id=channel.channel_id, text=family, limit=3, cursor=first.next_cursor
    )
    assert len(rest.items) == 2 and rest.next_cursor is None
    assert set(ids(first) + ids(rest)) == created


def test_indexing_twice_returns_each_customer_once(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    body = unique_person()
    record = create_indexed(dependencies, channel, body)
    index_new_customer(dependencies, record)
    synced = convert_and_index(dependencies, record)
    index_converted_customer(dependencies, synced)
    assert search(dependencies, channel, body["firstName"]) == [record.customer_id]


def test_search_in_an_unknown_channel_is_channel_not_found(dependencies: Dependencies) -> None:
    with pytest.raises(ChannelNotFound):
        search_customers(dependencies, channel_id=f"store-{token()}", text="ada")


def test_empty_search_is_rejected_naming_search(dependencies: Dependencies) -> None:
    channel = pending_channel(dependencies)
    with pytest.raises(ValidationFailed) as caught:
        search_customers(dependencies, channel_id=channel.channel_id, text="  ")
    assert [error.field for error in caught.value.errors] == ["search"]


# -- the index table itself -------------------------------------------------------------------


def name_terms(*names: str) -> list[SearchTerm]:
    return [SearchTerm(NAME, name) for name in names]


def customers_found(index: CustomerSearchIndex, scope: str, query: SearchQuery) -> list[str]:
    return [hit.customer_id for hit in index.find(scope=scope, query=query)]


def test_prefix_lookup_stays_within_its_prefix(index: CustomerSearchIndex) -> None:
    scope = f"store-{token()}"
    for customer, name in [("c1", "ab"), ("c2", "abc"), ("c3", "ac"), ("c4", "a"), ("c5", "ab|c")]:
        index.add(scope=scope, channel_id=scope, customer_id=customer, terms=name_terms(name), sort_key="1")
    assert set(customers_found(index, scope, SearchQuery(NAME, "ab", prefix=True))) == {"c1", "c2", "c5"}
    assert customers_found(index, scope, SearchQuery(NAME, "ab")) == ["c1"]


def test_awkward_characters_are_stored_found_and_removed(index: CustomerSearchIndex) -> None:
    scope = f"store-{token()}"
    awkward = ["a/b", "a\\b", "#1", "why?", "pipe|", "o'neil", "tab\there", "100%", "日本", "😀", "\x7f"]
    index.add(scope=scope, channel_id=scope, customer_id="c1", terms=name_terms(*awkward), sort_key="C0001")
    for name in awkward:
        assert customers_found(index, scope, SearchQuery(NAME, name)) == ["c1"]
    index.remove(scope=scope, customer_id="c1", terms=name_terms(*awkward), sort_key="C0001")
    for name in awkward:
        assert customers_found(index, scope, SearchQuery(NAME, name)) == []


def test_more_than_100_entries_of_one_partition_are_added_and_removed(
    index: CustomerSearchIndex, storage_connection_string: str
) -> None:
    """A channel's pending entries share its partition of the customers table."""
    scope = f"store-{token()}"
    names = [f"m{number:03d}" for number in range(150)]
    index.add(scope=scope, channel_id=scope, customer_id="c1", terms=name_terms(*names), sort_key="s")
    table = TableServiceClient.from_connection_string(storage_connection_string).get_table_client(
        CUSTOMERS_TABLE
    )

    def stored() -> int:
        return len(list(table.query_entities("PartitionKey eq @pk", parameters={"pk": scope})))

    assert stored() == 150
    index.remove(scope=scope, customer_id="c1", terms=name_terms(*names[:10]), sort_key="s")
    # Removing again mixes missing and present entries in one transaction.
    index.remove(scope=scope, customer_id="c1", terms=name_terms(*names), sort_key="s")
    assert stored() == 0


def test_entries_of_one_term_come_in_sort_key_order_whatever_the_customer_id(
    index: CustomerSearchIndex,
) -> None:
    scope = f"store-{token()}"
    # The ids run backwards against the account numbers: a client-chosen id must not decide the order.
    for number in range(12):
        index.add(
            scope=scope,
            channel_id=scope,
            customer_id=f"c{99 - number:02d}",
            terms=name_terms("same"),
            sort_key=f"C{number:09d}",
        )
    hits = list(index.find(scope=scope, query=SearchQuery(NAME, "sa", prefix=True)))
    assert [hit.customer_id for hit in hits] == [f"c{99 - number:02d}" for number in range(12)]
    after_fourth = list(
        index.find(scope=scope, query=SearchQuery(NAME, "sa", prefix=True), after=hits[3].row_key)
    )
    assert [hit.customer_id for hit in after_fourth] == [hit.customer_id for hit in hits[4:]]


def test_a_pending_customer_indexed_by_an_earlier_version_is_still_found(
    dependencies: Dependencies, storage_connection_string: str
) -> None:
    """Earlier versions kept pending entries in the index table as `{term}|{customer id}`."""
    channel = pending_channel(dependencies)
    body = unique_person()
    created = create_customer(dependencies, channel_id=channel.channel_id, body=body)
    record = dependencies.customers.get(channel.channel_id, created.customer.customer_id)
    assert record is not None
    channel_rows_table = TableServiceClient.from_connection_string(
        storage_connection_string
    ).get_table_client(CUSTOMERS_TABLE)
    for row in channel_rows_table.query_entities(
        "PartitionKey eq @pk", parameters={"pk": channel.channel_id}
    ):
        if str(row["RowKey"]).startswith("search|"):  # as if the customer came before this layout
            channel_rows_table.delete_entity(row["PartitionKey"], row["RowKey"])
    assert search(dependencies, channel, body["email"]) == []
    encoded = key_term(body["email"])
    index_table = TableServiceClient.from_connection_string(storage_connection_string).get_table_client(
        SEARCH_INDEX_TABLE
    )
    index_table.upsert_entity(
        {
            "PartitionKey": partition_key(channel.channel_id, "email", encoded),
            "RowKey": f"{encoded}|{record.customer_id}",
            "ChannelId": channel.channel_id,
            "CustomerId": record.customer_id,
        }
    )
    assert search(dependencies, channel, body["email"]) == [record.customer_id]

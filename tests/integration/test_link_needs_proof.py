"""`DUPLICATE_POLICY=link` joins two customers only on an e-mail verified on both, and a claim goes
with the e-mail it was for."""

from __future__ import annotations

import uuid
from typing import Any

from shared.domain.duplicates import MatchedOn, MatchKey
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer, get_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.merging import merge_duplicate
from tests.support.builders import add_channel, make_dependencies, person, unique_phone

HOME = {"street": "1 Victim Lane", "city": "Paris", "countryRegionId": "FRA"}


def link_dependencies(connection: str) -> Dependencies:
    return make_dependencies(connection, DUPLICATE_POLICY="link")


def converted(dependencies: Dependencies, body: dict[str, Any]) -> tuple[str, str]:
    """A customer created async in a store of its own and converted; its channel and GUID."""
    channel = add_channel(dependencies, async_customer_creation=True)
    created = create_customer(dependencies, channel_id=channel.channel_id, body=body)
    convert_async_customer(
        dependencies, channel_id=channel.channel_id, customer_id=created.customer.customer_id
    )
    return channel.channel_id, created.customer.customer_id


def candidates_of(dependencies: Dependencies, customer_ids: set[str]) -> list[list[MatchedOn]]:
    return [c.matched_on for c in dependencies.duplicates.listed() if c.customer_id in customer_ids]


def email_key(email: str) -> MatchKey:
    return MatchKey(MatchedOn.EMAIL, email.lower())


def test_an_unverified_email_never_captures_the_customer_who_owns_it(storage_connection_string: str) -> None:
    dependencies = link_dependencies(storage_connection_string)
    email = f"victim.{uuid.uuid4().hex[:8]}@example.com"
    victim = converted(
        dependencies, person(email=email, emailVerified=True, phone=unique_phone(), addresses=[HOME])
    )
    attacker = converted(dependencies, person(email=email, firstName="Mallory", phone=unique_phone()))

    seen = get_customer(dependencies, channel_id=attacker[0], ref=attacker[1])
    victim_account = get_customer(dependencies, channel_id=victim[0], ref=victim[1]).account_number
    assert not seen.linked_to_existing and seen.account_number != victim_account
    assert seen.customer_id == attacker[1] and seen.addresses == []  # none of the victim's data
    assert candidates_of(dependencies, {attacker[1]}) == [[MatchedOn.EMAIL]]  # a person decides


def test_a_verified_email_is_not_linked_to_a_customer_whose_email_was_never_verified(
    storage_connection_string: str,
) -> None:
    dependencies = link_dependencies(storage_connection_string)
    email = f"typed.{uuid.uuid4().hex[:8]}@example.com"
    typed = converted(dependencies, person(email=email, phone=unique_phone()))
    owner = converted(dependencies, person(email=email, emailVerified=True, phone=unique_phone()))
    seen = get_customer(dependencies, channel_id=owner[0], ref=owner[1])
    assert not seen.linked_to_existing
    assert seen.account_number != get_customer(dependencies, channel_id=typed[0], ref=typed[1]).account_number
    assert candidates_of(dependencies, {owner[1]}) == [[MatchedOn.EMAIL]]


def test_a_family_sharing_a_phone_and_a_surname_stays_two_customers(storage_connection_string: str) -> None:
    dependencies = link_dependencies(storage_connection_string)
    phone = unique_phone()
    anna = converted(dependencies, person(firstName="Anna", email=None, phone=phone))
    john = converted(dependencies, person(firstName="John", email=None, phone=phone))
    shown = get_customer(dependencies, channel_id=john[0], ref=john[1])
    assert not shown.linked_to_existing
    assert shown.account_number != get_customer(dependencies, channel_id=anna[0], ref=anna[1]).account_number
    assert candidates_of(dependencies, {john[1]}) == [[MatchedOn.PHONE_AND_NAME]]


def test_a_corrected_typo_releases_its_claim_so_its_real_owner_is_not_bound_to_a_stranger(
    storage_connection_string: str,
) -> None:
    dependencies = link_dependencies(storage_connection_string)
    typo, right = f"jhon.{uuid.uuid4().hex[:8]}@example.com", f"john.{uuid.uuid4().hex[:8]}@example.com"
    john = converted(
        dependencies, person(firstName="John", email=typo, emailVerified=True, phone=unique_phone())
    )
    assert dependencies.match_index.holder(email_key(typo)) == john[1]
    edited = edit_customer(
        dependencies, channel_id=john[0], ref=john[1], body={"email": right, "emailVerified": True}
    )
    assert edited.email == right
    assert dependencies.match_index.holder(email_key(typo)) is None

    jhon = converted(
        dependencies, person(firstName="Jhon", email=typo, emailVerified=True, phone=unique_phone())
    )
    shown = get_customer(dependencies, channel_id=jhon[0], ref=jhon[1])
    assert not shown.linked_to_existing and shown.account_number != edited.account_number
    assert shown.first_name == "Jhon"
    assert dependencies.match_index.holder(email_key(typo)) == jhon[1]


def test_a_stale_claim_left_by_an_older_version_is_released_at_the_next_conversion(
    storage_connection_string: str,
) -> None:
    dependencies = link_dependencies(storage_connection_string)
    old, new = f"old.{uuid.uuid4().hex[:8]}@example.com", f"new.{uuid.uuid4().hex[:8]}@example.com"
    first = converted(dependencies, person(email=new, emailVerified=True, phone=unique_phone()))
    dependencies.match_index.claim(email_key(old), customer_id=first[1])  # as if its e-mail had been `old`
    second = converted(dependencies, person(email=old, emailVerified=True, phone=unique_phone()))
    assert not get_customer(dependencies, channel_id=second[0], ref=second[1]).linked_to_existing
    assert dependencies.match_index.holder(email_key(old)) == second[1]


def test_a_merge_releases_the_merged_customers_claim(storage_connection_string: str) -> None:
    dependencies = link_dependencies(storage_connection_string)
    phone = unique_phone()
    mine, theirs = f"a.{uuid.uuid4().hex[:8]}@example.com", f"b.{uuid.uuid4().hex[:8]}@example.com"
    older = converted(dependencies, person(email=mine, emailVerified=True, phone=phone))
    newer = converted(dependencies, person(email=theirs, emailVerified=True, phone=phone))
    [candidate] = [c for c in dependencies.duplicates.listed() if c.customer_id == newer[1]]
    assert dependencies.match_index.holder(email_key(theirs)) == newer[1]
    merge_duplicate(dependencies, duplicate_id=candidate.duplicate_id)
    assert dependencies.match_index.holder(email_key(theirs)) is None
    assert dependencies.match_index.holder(email_key(mine)) == older[1]

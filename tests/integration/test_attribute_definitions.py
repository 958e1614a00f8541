"""Attribute definitions under concurrent admins, and required ones against offline uploads.

Definitions are HQ-wide: a required one would refuse every other test's creates, so these tests
run on an Azurite of their own."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.domain.attributes import MAX_DEFINITIONS
from shared.domain.errors import ValidationFailed
from shared.services.attributes import define_attribute, list_attributes, retire_attribute
from shared.services.customers import create_customer
from shared.services.dependencies import Dependencies
from shared.services.offline_upload import upload_offline_customers
from tests.support.builders import add_channel, make_dependencies, person

TEXT = {"label": "Note", "type": "Text"}


def fresh(connection: str) -> Dependencies:
    """A new instance: nothing cached from another."""
    return make_dependencies(connection, CHANNEL_CACHE_SECONDS=0)


def test_ten_admins_at_once_never_pass_fifty_live_definitions(own_storage: str) -> None:
    for number in range(MAX_DEFINITIONS - 5):
        define_attribute(fresh(own_storage), name=f"seed{number}", body=TEXT)

    def define(number: int) -> bool:
        try:
            define_attribute(fresh(own_storage), name=f"late{number}", body=TEXT)
            return True
        except ValidationFailed:
            return False

    with ThreadPoolExecutor(max_workers=10) as pool:
        accepted = list(pool.map(define, range(10)))
    assert sum(accepted) == 5
    live = list_attributes(fresh(own_storage), include_retired=False)
    assert len(live) == MAX_DEFINITIONS
    retire_attribute(fresh(own_storage), name="seed0")
    define_attribute(fresh(own_storage), name="oneMore", body=TEXT)
    assert len(list_attributes(fresh(own_storage), include_retired=False)) == MAX_DEFINITIONS


def test_names_that_differ_only_in_case_are_one_name(own_storage: str) -> None:
    define_attribute(fresh(own_storage), name="club", body=TEXT)
    with pytest.raises(ValidationFailed) as caught:
        define_attribute(fresh(own_storage), name="CLUB", body=TEXT)
    assert [error.field for error in caught.value.errors] == ["name"]
    retire_attribute(fresh(own_storage), name="club")
    with pytest.raises(ValidationFailed):  # a retired name still holds customers' values
        define_attribute(fresh(own_storage), name="Club", body=TEXT)
    _, created = define_attribute(fresh(own_storage), name="club", body={**TEXT, "label": "Club"})
    assert not created  # the same name, brought back


def test_two_admins_defining_the_same_name_in_two_cases_at_once_leave_one(own_storage: str) -> None:
    def define(name: str) -> bool:
        try:
            define_attribute(fresh(own_storage), name=name, body=TEXT)
            return True
        except ValidationFailed:
            return False

    with ThreadPoolExecutor(max_workers=4) as pool:
        accepted = list(pool.map(define, ["tier", "TIER", "Tier", "tIER"]))
    assert sum(accepted) == 1
    names = [d.name for d in list_attributes(fresh(own_storage), include_retired=True)]
    assert len(names) == 1


def test_a_required_attribute_defined_later_does_not_refuse_an_offline_record(own_storage: str) -> None:
    dependencies = fresh(own_storage)
    channel = add_channel(dependencies, async_customer_creation=True)
    define_attribute(dependencies, name="loyaltyTier", body={**TEXT, "required": True})
    customer_id = str(uuid.uuid4())
    outcomes = upload_offline_customers(
        dependencies, channel_id=channel.channel_id, body={"customers": [person(customerId=customer_id)]}
    )
    assert [outcome.error for outcome in outcomes] == [None]
    with pytest.raises(ValidationFailed) as caught:  # the till online is told at once
        create_customer(dependencies, channel_id=channel.channel_id, body=person())
    assert [error.field for error in caught.value.errors] == ["attributes.loyaltyTier"]

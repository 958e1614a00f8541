"""Merge and link lose nothing: contacts, attributes, consent (the newest event wins) and both
consent histories reach the survivor, and an edit through the merged GUID at any moment of a merge
is kept."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.domain.channel import Channel
from shared.domain.duplicates import DuplicateStatus
from shared.domain.errors import MergeExceedsLimits
from shared.domain.views import CustomerPublic
from shared.services import fault_points
from shared.services.attributes import define_attribute, retire_attribute
from shared.services.consents import consent_history
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer, get_customer
from shared.services.dependencies import Dependencies
from shared.services.edits import edit_customer
from shared.services.fault_points import MERGE_POINTS, FaultPoints
from shared.services.merging import merge_duplicate
from tests.support.builders import add_channel, make_dependencies, person, unique_phone
from tests.support.faults import CrashAt, SimulatedCrash
from tests.support.inspection import hq_master, hq_masters_of


@pytest.fixture
def attribute_names(dependencies: Dependencies) -> Iterator[Callable[[str], str]]:
    """Attributes under names no other test uses, retired afterwards (50 live ones at most)."""
    made: list[str] = []

    def define(kind: str) -> str:
        name = f"surv{uuid.uuid4().hex[:10]}"
        body: dict[str, Any] = {"label": name, "type": kind}
        if kind == "Choice":
            body["choices"] = ["Silver", "Gold"]
        define_attribute(dependencies, name=name, body=body)
        made.append(name)
        return name

    yield define
    for name in made:
        retire_attribute(dependencies, name=name)


def candidate_of(dependencies: Dependencies, customer_id: str) -> str:
    [found] = [c for c in dependencies.duplicates.listed() if c.customer_id == customer_id]
    return found.duplicate_id


def verified_pair(
    dependencies: Dependencies, email: str, existing: dict[str, Any], pending: dict[str, Any], **store: Any
) -> tuple[Channel, Channel, CustomerPublic, CustomerPublic]:
    """A web channel's HQ customer and a store's pending customer, both with `email` verified."""
    web = add_channel(dependencies)
    shop = add_channel(dependencies, async_customer_creation=True, **store)
    verified = {"email": email, "emailVerified": True, "phone": unique_phone()}
    first = create_customer(dependencies, channel_id=web.channel_id, body=person(**verified, **existing))
    verified["phone"] = pending.pop("phone", unique_phone())
    second = create_customer(dependencies, channel_id=shop.channel_id, body=person(**verified, **pending))
    return web, shop, first.customer, second.customer


def test_a_merge_keeps_every_contact_attribute_and_the_newest_consent(
    dependencies: Dependencies, storage_connection_string: str, attribute_names: Callable[[str], str]
) -> None:
    shoe, tier = attribute_names("Integer"), attribute_names("Choice")
    north, south = add_channel(dependencies), add_channel(dependencies)  # sync: in HQ at once
    email, phone, other_phone = f"m.{uuid.uuid4().hex[:8]}@example.com", unique_phone(), unique_phone()
    older = create_customer(
        dependencies,
        channel_id=north.channel_id,
        body=person(email=email, phone=phone, title="Ms", emailMarketingConsent=True, attributes={shoe: 42}),
    ).customer
    newer = create_customer(
        dependencies,
        channel_id=south.channel_id,
        body=person(
            email=email,
            phone=other_phone,
            middleName="Byron",
            emailMarketingConsent=True,
            phoneMarketingConsent=True,
            additionalEmails=[{"value": "augusta@example.com", "marketingConsent": True}],
            attributes={shoe: 39, tier: "Gold"},
        ),
    ).customer
    # The newer customer withdraws at its store after both had given consent: the newest event.
    edit_customer(
        dependencies,
        channel_id=south.channel_id,
        ref=newer.customer_id,
        body={"emailMarketingConsent": False},
    )

    survivor = merge_duplicate(dependencies, duplicate_id=candidate_of(dependencies, newer.customer_id))

    assert (
        survivor.customer_id == older.customer_id
        and survivor.title == "Ms"
        and survivor.middle_name == "Byron"
    )
    assert survivor.email == email and survivor.email_marketing_consent is False
    assert survivor.phone == phone
    assert [(p.value, p.marketing_consent) for p in survivor.additional_phones] == [(other_phone, True)]
    assert [(e.value, e.marketing_consent) for e in survivor.additional_emails] == [
        ("augusta@example.com", True)
    ]
    assert survivor.attributes == {shoe: 42, tier: "Gold"}
    master = hq_master(storage_connection_string, str(older.account_number))
    assert (
        master is not None and other_phone in master["Profile"] and "augusta@example.com" in master["Profile"]
    )

    # Both histories read through the survivor, from the merged GUID as from its own.
    for channel, ref in ((south.channel_id, newer.customer_id), (north.channel_id, older.customer_id)):
        history = consent_history(dependencies, channel_id=channel, ref=ref, limit=100, cursor=None).items
        entries = {(c.contact, c.value, c.marketing_consent, c.channel_id, c.reason) for c in history}
        assert ("email", email, False, south.channel_id, "edit") in entries  # the withdrawal, as made
        assert ("email", email, True, north.channel_id, "create") in entries
        assert ("additionalEmails", "augusta@example.com", True, south.channel_id, "create") in entries
        assert ("email", email, False, south.channel_id, "merge") in entries
        assert history[0].changed_at >= history[-1].changed_at

    # Merging again changes nothing.
    again = merge_duplicate(dependencies, duplicate_id=candidate_of(dependencies, newer.customer_id))
    assert again.model_dump(exclude={"version"}) == survivor.model_dump(exclude={"version"})


class EditAtEveryPoint(FaultPoints):
    """At every step of a merge, an edit through the merged GUID sets one attribute of its own."""

    def __init__(self) -> None:
        self.edit: Callable[[str], None] | None = None

    def reach(self, point: str) -> None:
        if point in MERGE_POINTS and self.edit is not None:
            self.edit(point)


def test_an_edit_through_the_merged_guid_at_any_step_of_a_merge_is_kept(
    storage_connection_string: str, attribute_names: Callable[[str], str]
) -> None:
    faults = EditAtEveryPoint()
    dependencies = make_dependencies(storage_connection_string, faults=faults)
    names = {point: attribute_names("Text") for point in MERGE_POINTS}
    north, south = add_channel(dependencies), add_channel(dependencies)
    email = f"e.{uuid.uuid4().hex[:8]}@example.com"
    older = create_customer(
        dependencies, channel_id=north.channel_id, body=person(email=email, phone=unique_phone())
    )
    newer = create_customer(
        dependencies, channel_id=south.channel_id, body=person(email=email, phone=unique_phone())
    )
    answered: list[str] = []

    def edit(point: str) -> None:
        edit_customer(
            dependencies,
            channel_id=south.channel_id,
            ref=newer.customer.customer_id,
            body={"attributes": {names[point]: point}},
        )
        answered.append(point)

    faults.edit = edit
    merge_duplicate(dependencies, duplicate_id=candidate_of(dependencies, newer.customer.customer_id))
    faults.edit = None
    assert answered == list(MERGE_POINTS)
    survivor = get_customer(dependencies, channel_id=north.channel_id, ref=older.customer.customer_id)
    assert survivor.attributes == {names[point]: point for point in MERGE_POINTS}
    found = dependencies.duplicates.get(candidate_of(dependencies, newer.customer.customer_id))
    assert found is not None and found[0].status is DuplicateStatus.MERGED


def test_a_merge_that_would_drop_a_contact_is_refused_and_changes_nothing(dependencies: Dependencies) -> None:
    north, south = add_channel(dependencies), add_channel(dependencies)
    email = f"full.{uuid.uuid4().hex[:8]}@example.com"
    full = [f"s{n}.{uuid.uuid4().hex[:6]}@example.com" for n in range(10)]
    older = create_customer(
        dependencies,
        channel_id=north.channel_id,
        body=person(email=email, phone=unique_phone(), additionalEmails=full),
    ).customer
    newer = create_customer(
        dependencies,
        channel_id=south.channel_id,
        body=person(email=email, phone=unique_phone(), additionalEmails=["one.more@example.com"]),
    ).customer
    duplicate_id = candidate_of(dependencies, newer.customer_id)
    with pytest.raises(MergeExceedsLimits) as refused:
        merge_duplicate(dependencies, duplicate_id=duplicate_id)
    assert refused.value.field == "additionalEmails"
    found = dependencies.duplicates.get(duplicate_id)
    assert found is not None and found[0].status is DuplicateStatus.OPEN
    assert (
        get_customer(dependencies, channel_id=south.channel_id, ref=newer.customer_id).customer_id
        == newer.customer_id
    )
    unchanged = get_customer(dependencies, channel_id=north.channel_id, ref=older.customer_id)
    assert [e.value for e in unchanged.additional_emails] == full


def test_a_link_brings_what_was_edited_while_pending_and_a_withdrawal_reaches_hq(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    email, phone = f"l.{uuid.uuid4().hex[:8]}@example.com", unique_phone()
    web, store, existing, pending = verified_pair(
        dependencies,
        email,
        {"emailMarketingConsent": True},
        {"emailMarketingConsent": True, "phone": phone},
        async_customer_edits=True,
    )
    edit_customer(
        dependencies,
        channel_id=store.channel_id,
        ref=pending.customer_id,
        body={"emailMarketingConsent": False, "additionalEmails": ["second@example.com"]},
    )
    convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=pending.customer_id)

    linked = get_customer(dependencies, channel_id=store.channel_id, ref=pending.customer_id)
    assert linked.linked_to_existing and linked.account_number == existing.account_number
    survivor = get_customer(dependencies, channel_id=web.channel_id, ref=str(existing.account_number))
    assert survivor.email_marketing_consent is False  # the withdrawal made while pending won
    assert [p.value for p in survivor.additional_phones] == [phone]
    assert [e.value for e in survivor.additional_emails] == ["second@example.com"]
    master = hq_master(storage_connection_string, str(existing.account_number))
    assert master is not None and '"emailMarketingConsent":false' in master["Profile"].replace(" ", "")
    history = consent_history(
        dependencies, channel_id=store.channel_id, ref=pending.customer_id, limit=50, cursor=None
    )
    assert ("email", email, False, store.channel_id, "edit") in {
        (c.contact, c.value, c.marketing_consent, c.channel_id, c.reason) for c in history.items
    }


def test_a_link_that_would_drop_a_contact_makes_its_own_customer_and_flags_it(
    storage_connection_string: str,
) -> None:
    dependencies = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    email = f"x.{uuid.uuid4().hex[:8]}@example.com"
    full = [f"w{n}.{uuid.uuid4().hex[:6]}@example.com" for n in range(10)]
    _, store, existing, pending = verified_pair(
        dependencies, email, {"additionalEmails": full}, {"additionalEmails": ["more@example.com"]}
    )
    convert_async_customer(dependencies, channel_id=store.channel_id, customer_id=pending.customer_id)
    own = get_customer(dependencies, channel_id=store.channel_id, ref=pending.customer_id)
    assert not own.linked_to_existing and own.account_number not in (None, existing.account_number)
    assert [
        c.matched_on for c in dependencies.duplicates.listed() if c.customer_id == pending.customer_id
    ] == [["email"]]


@pytest.mark.parametrize(
    "crash_at",
    [
        fault_points.AFTER_ACCOUNT_NUMBER_BOUND,
        fault_points.AFTER_SURVIVOR_FOLDED,
        fault_points.AFTER_CHANNEL_RECORD_UPDATED,
    ],
)
def test_a_linking_conversion_that_crashes_after_any_step_ends_linked_once(
    storage_connection_string: str, crash_at: str
) -> None:
    healthy = make_dependencies(storage_connection_string, DUPLICATE_POLICY="link")
    email = f"crash.{uuid.uuid4().hex[:8]}@example.com"
    web, store, existing, pending = verified_pair(healthy, email, {}, {"additionalEmails": ["b@example.com"]})
    crashing = make_dependencies(storage_connection_string, faults=CrashAt(crash_at), DUPLICATE_POLICY="link")
    with pytest.raises(SimulatedCrash):
        convert_async_customer(crashing, channel_id=store.channel_id, customer_id=pending.customer_id)
    convert_async_customer(healthy, channel_id=store.channel_id, customer_id=pending.customer_id)
    convert_async_customer(healthy, channel_id=store.channel_id, customer_id=pending.customer_id)

    linked = get_customer(healthy, channel_id=store.channel_id, ref=pending.customer_id)
    assert linked.linked_to_existing and linked.account_number == existing.account_number
    assert hq_masters_of(storage_connection_string, pending.customer_id) == []
    survivor = get_customer(healthy, channel_id=web.channel_id, ref=str(existing.account_number))
    assert [e.value for e in survivor.additional_emails] == ["b@example.com"]

"""The one map of a channel partition's rows: every key it makes names its family."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.operations import OperationRef
from shared.storage.channel_rows import (
    RowFamily,
    UnknownRowFamily,
    address_row,
    consent_row,
    converted_row,
    customer_row,
    done_row,
    family_of,
    idempotency_row,
    pending_range,
    pending_row,
    publish_row,
    search_prefix,
)

AT = datetime(2026, 12, 5, tzinfo=UTC)
CUSTOMER = "3f2b1c4d-0000-4000-8000-000000000001"


def test_every_key_the_map_makes_names_its_family() -> None:
    ref = OperationRef("store-1", CUSTOMER, "edit-000001")
    assert {
        family_of(customer_row(CUSTOMER)),
        family_of(address_row(CUSTOMER, "a1")),
        family_of(pending_row(ref)),
        family_of(done_row(ref)),
        family_of(idempotency_row("any client text | with separators")),
        family_of(consent_row(CUSTOMER, AT, 0)),
        family_of(converted_row(AT, CUSTOMER)),
        family_of(search_prefix("email") + "ada|x|" + CUSTOMER),
        family_of(publish_row("C000000042")),
    } == set(RowFamily)


def test_a_row_of_no_family_is_refused() -> None:
    with pytest.raises(UnknownRowFamily):
        family_of("mystery|1")


def test_a_customers_pending_range_holds_its_operations_and_no_other_customers() -> None:
    start, end = pending_range(CUSTOMER)
    own = pending_row(OperationRef("store-1", CUSTOMER, "edit-000001"))
    other = pending_row(OperationRef("store-1", CUSTOMER[:-1] + "2"))
    assert start <= own < end and not start <= other < end

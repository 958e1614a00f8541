"""Validation rules of the contract's customer body, checked without any storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.channel import Channel
from shared.domain.creation import check_async_create, planned_creation_mode
from shared.domain.errors import ValidationFailed
from shared.domain.validation import parse_customer_create
from shared.domain.values import CreationMode, CustomerType

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def fields_of(error: ValidationFailed) -> set[str]:
    return {item.field for item in error.errors}


def invalid_fields(body: object, default_country: str = "USA") -> set[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_customer_create(body, default_country=default_country)
    return fields_of(caught.value)


def test_person_needs_first_and_last_name() -> None:
    assert invalid_fields({"customerType": "Person"}) == {"firstName", "lastName"}


def test_organization_needs_organization_name() -> None:
    assert invalid_fields({"customerType": "Organization", "firstName": "Ada"}) == {"organizationName"}


def test_organization_is_accepted_with_its_name() -> None:
    request = parse_customer_create(
        {"customerType": "Organization", "organizationName": "Contoso"}, default_country="USA"
    )
    assert request.customer_type is CustomerType.ORGANIZATION


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_names_are_one_to_sixty_characters_after_trimming(name: str) -> None:
    assert invalid_fields({"firstName": name, "lastName": "Lovelace"}) == {"firstName"}


def test_names_are_trimmed() -> None:
    request = parse_customer_create({"firstName": "  Ada ", "lastName": "x" * 60}, default_country="USA")
    assert request.first_name == "Ada"


def test_email_domain_is_lower_cased_and_local_part_kept() -> None:
    request = parse_customer_create(
        {"firstName": "Ada", "lastName": "L", "email": "Ada.Lovelace@EXAMPLE.COM"}, default_country="USA"
    )
    assert request.email == "Ada.Lovelace@example.com"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com"])
def test_invalid_email_is_rejected(email: str) -> None:
    assert invalid_fields({"firstName": "Ada", "lastName": "L", "email": email}) == {"email"}


def test_phone_without_country_code_is_read_in_channel_country() -> None:
    us = parse_customer_create(
        {"firstName": "A", "lastName": "B", "phone": "(206) 555-0100"}, default_country="USA"
    )
    gb = parse_customer_create(
        {"firstName": "A", "lastName": "B", "phone": "020 7123 4567"}, default_country="GBR"
    )
    assert us.phone == "+12065550100"
    assert gb.phone == "+442071234567"


def test_phone_with_country_code_keeps_its_country() -> None:
    request = parse_customer_create(
        {"firstName": "A", "lastName": "B", "phone": "+33 1 42 68 53 00"}, default_country="USA"
    )
    assert request.phone == "+33142685300"


def test_additional_phones_and_emails_are_normalised_and_each_invalid_one_named() -> None:
    fields = invalid_fields(
        {
            "firstName": "A",
            "lastName": "B",
            "additionalPhones": ["206-555-0100", "12"],
            "additionalEmails": ["ok@example.com", "broken"],
        }
    )
    assert fields == {"additionalPhones[1]", "additionalEmails[1]"}


def test_at_most_ten_additional_emails_and_twenty_affiliations() -> None:
    fields = invalid_fields(
        {
            "firstName": "A",
            "lastName": "B",
            "additionalEmails": [f"a{i}@example.com" for i in range(11)],
            "affiliations": [f"Group {i}" for i in range(21)],
        }
    )
    assert fields == {"additionalEmails", "affiliations"}


def test_unknown_fields_are_rejected_by_name() -> None:
    assert invalid_fields({"firstName": "A", "lastName": "B", "loyaltyTier": "gold"}) == {"loyaltyTier"}


def test_server_owned_fields_cannot_be_sent() -> None:
    assert invalid_fields({"firstName": "A", "lastName": "B", "accountNumber": "C1"}) == {"accountNumber"}


def test_address_country_must_be_a_real_alpha3_code() -> None:
    fields = invalid_fields(
        {
            "firstName": "A",
            "lastName": "B",
            "addresses": [
                {"street": "1 Main St", "city": "Paris", "countryRegionId": "fra"},
                {"street": "1 Main St", "city": "Nowhere", "countryRegionId": "XYZ"},
                {"street": "1 Main St", "city": "Paris", "countryRegionId": "FR"},
            ],
        }
    )
    assert fields == {"addresses[1].countryRegionId", "addresses[2].countryRegionId"}


def test_body_must_be_an_object() -> None:
    assert invalid_fields(["not", "an", "object"]) == {"body"}


def test_same_body_gives_same_fingerprint_and_customer_id_is_not_part_of_it() -> None:
    body = {"firstName": "Ada", "lastName": "L", "email": "ada@example.com"}
    first = parse_customer_create(body, default_country="USA")
    again = parse_customer_create(
        {**body, "customerId": "3f2b6c1e-7d1a-4c7e-9d43-1b2a3c4d5e6f"}, default_country="USA"
    )
    other = parse_customer_create({**body, "lastName": "Byron"}, default_country="USA")
    assert first.fingerprint() == again.fingerprint() != other.fingerprint()


def test_channel_profile_decides_creation_mode() -> None:
    assert planned_creation_mode(Channel(channel_id="web-eu", name="Web")) is CreationMode.SYNC
    async_channel = Channel(channel_id="store-1", name="S", async_customer_creation=True)
    assert planned_creation_mode(async_channel) is CreationMode.ASYNC


def test_async_create_without_enhanced_flag_names_each_enhanced_field_and_the_flag() -> None:
    channel = Channel(
        channel_id="store-1", name="S", async_customer_creation=True, enhanced_async_customers=False
    )
    request = parse_customer_create(
        {
            "firstName": "A",
            "lastName": "B",
            "title": "Dr.",
            "affiliations": ["Staff"],
            "additionalEmails": ["x@example.com"],
            "additionalPhones": ["+12065550100"],
        },
        default_country="USA",
    )
    with pytest.raises(ValidationFailed) as caught:
        check_async_create(channel, request)
    assert fields_of(caught.value) == {"title", "affiliations", "additionalEmails", "additionalPhones"}
    assert all("enhancedAsyncCustomers" in item.message for item in caught.value.errors)


def test_async_customer_carries_one_address_without_async_addresses_flag() -> None:
    channel = Channel(
        channel_id="store-1", name="S", async_customer_creation=True, async_customer_addresses=False
    )
    address = {"street": "1 Main St", "city": "Paris", "countryRegionId": "FRA"}
    one = parse_customer_create(
        {"firstName": "A", "lastName": "B", "addresses": [address]}, default_country="USA"
    )
    two = parse_customer_create(
        {"firstName": "A", "lastName": "B", "addresses": [address, address]}, default_country="USA"
    )
    check_async_create(channel, one)
    with pytest.raises(ValidationFailed) as caught:
        check_async_create(channel, two)
    assert fields_of(caught.value) == {"addresses"}


def test_phone_with_an_extension_is_rejected_rather_than_truncated() -> None:
    assert invalid_fields({"firstName": "A", "lastName": "B", "phone": "+1 206 555 0100 ext 5"}) == {"phone"}


def test_address_ids_sort_in_the_order_the_addresses_were_given() -> None:
    from shared.domain.address import Address, AddressCreate
    from shared.domain.values import SyncStatus

    request = AddressCreate(street="1 Main St", city="Paris", country_region_id="FRA")
    ids = [
        Address.from_request(request, sync_status=SyncStatus.PENDING, at=NOW, position=position).address_id
        for position in range(5)
    ]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_email_verified_needs_an_email() -> None:
    assert invalid_fields({"firstName": "Ada", "lastName": "L", "emailVerified": True}) == {"email"}


def test_an_edit_that_changes_the_email_drops_its_verification_unless_it_sends_it_again() -> None:
    from shared.domain.profile import CustomerProfile, CustomerUpdate

    verified = CustomerProfile.model_validate(
        {"firstName": "Ada", "lastName": "L", "email": "ada@example.com", "emailVerified": True}
    )
    assert CustomerUpdate.model_validate({"title": "Dr"}).applied_to(verified).email_verified
    assert CustomerUpdate.model_validate({"email": "ada@EXAMPLE.com"}).applied_to(verified).email_verified
    moved = CustomerUpdate.model_validate({"email": "lovelace@example.com"}).applied_to(verified)
    assert moved.email == "lovelace@example.com" and not moved.email_verified
    proven = CustomerUpdate.model_validate({"email": "lovelace@example.com", "emailVerified": True})
    assert proven.applied_to(verified).email_verified
    assert not CustomerUpdate.model_validate({"email": None}).applied_to(verified).email_verified


def test_address_ids_follow_the_injected_clock_not_the_machines() -> None:
    from datetime import timedelta

    from shared.domain.address import Address, AddressCreate
    from shared.domain.values import SyncStatus

    request = AddressCreate(street="1 Main St", city="Paris", country_region_id="FRA")
    later = Address.from_request(request, sync_status=SyncStatus.PENDING, at=NOW + timedelta(seconds=1))
    earlier = Address.from_request(request, sync_status=SyncStatus.PENDING, at=NOW, position=4095)
    assert earlier.address_id < later.address_id
    assert earlier.address_id.startswith(f"{int(NOW.timestamp() * 1000):012x}"[:8])

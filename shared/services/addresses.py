"""Adding an address to a customer, per the channel's `asyncCustomerAddresses` flag (10.0.22).

On: the address is saved in the channel first and synced after its customer, for sync and async
customers alike, any number of them. Off: a synced customer's address is written to HQ within the
request (503 and nothing kept when HQ fails); a pending async customer cannot get another address.
"""

from __future__ import annotations

from typing import Any

from shared.domain.access_log import AccessAction
from shared.domain.address import Address, AddressCreate, AddressPage
from shared.domain.customer import CustomerRecord
from shared.domain.errors import AsyncCustomerAddressUnavailable, CustomerNotFound, HeadquartersUnavailable
from shared.domain.sync import SyncKind
from shared.domain.validation import parse_model
from shared.domain.values import SyncStatus
from shared.services.access_log import note_access
from shared.services.channels import require_channel
from shared.services.conversion import replay_operations
from shared.services.customer_views import address_page
from shared.services.dependencies import Dependencies
from shared.services.resolution import find_customer
from shared.services.sync_messages import announce_sync


def add_address(dependencies: Dependencies, *, channel_id: str, ref: str, body: Any) -> Address:
    channel = require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref, to_change=True)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    request = parse_model(AddressCreate, body)
    note_access(dependencies, AccessAction.ADDRESS, [record])
    address = Address.from_request(request, sync_status=SyncStatus.PENDING, at=dependencies.clock())
    if channel.async_customer_addresses:
        dependencies.customers.commit(record.address_added(address, at=dependencies.clock()))
        announce_sync(
            dependencies,
            channel_id=record.channel_id,
            customer_id=record.customer_id,
            kind=SyncKind.ADDRESS,
            address_id=address.address_id,
        )
        return address
    if record.is_pending:
        raise AsyncCustomerAddressUnavailable(
            f"Customer {record.customer_id} is pending synchronization and the channel's "
            "'asyncCustomerAddresses' flag is off: an async customer carries one address, given at creation"
        )
    return _write_to_headquarters_now(dependencies, record, address)


def _write_to_headquarters_now(
    dependencies: Dependencies, record: CustomerRecord, address: Address
) -> Address:
    """The channel row comes first so it can never be missing; it is taken back if HQ fails."""
    added = record.address_added(address, at=dependencies.clock())
    dependencies.customers.commit(added)
    [operation] = added.opened
    try:
        # No time-out thread here: the request must know whether HQ took the address before it
        # decides to keep or take back the channel row.
        replay_operations(dependencies, record, [operation])
    except Exception as error:
        dependencies.customers.commit(record.address_taken_back(operation))
        raise HeadquartersUnavailable(
            f"HQ could not take the address of customer {record.customer_id}; nothing was saved"
        ) from error
    return address.model_copy(update={"sync_status": SyncStatus.SYNCED})


def list_addresses(
    dependencies: Dependencies, *, channel_id: str, ref: str, limit: int, cursor: str | None
) -> AddressPage:
    require_channel(dependencies, channel_id)
    record = find_customer(dependencies, channel_id=channel_id, ref=ref)
    if record is None:
        raise CustomerNotFound(f"No customer '{ref}' in channel '{channel_id}'")
    page = address_page(dependencies, record, limit=limit, cursor=cursor)
    note_access(dependencies, AccessAction.READ, [record])
    return page

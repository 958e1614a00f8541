"""What a customer reference (GUID or account number) resolves to, after links and merges.

A merged HQ customer stays as a tombstone naming its survivor, and its channel record names the
survivor too, so every GUID and account number that ever meant the merged customer reaches the
survivor in every channel. A customer linked to an existing HQ customer (`DUPLICATE_POLICY=link`)
is shown as its own channel record, but its changes go to the customer it was linked to.
"""

from __future__ import annotations

from shared.domain.customer import CustomerRecord
from shared.domain.errors import CustomerErased, HeadquartersUnavailable
from shared.domain.identifiers import is_account_number_shaped, is_guid
from shared.services.channels import require_channel
from shared.services.dependencies import Dependencies
from shared.storage.ports import HqCustomer

MAX_MERGE_HOPS = 16  # survivors may be merged again; a chain this long is a data fault


def surviving_master(dependencies: Dependencies, account_number: str) -> HqCustomer | None:
    """The HQ customer an account number stands for now: itself, or the survivor of its merges."""
    for _ in range(MAX_MERGE_HOPS):
        master = dependencies.headquarters.get(account_number)
        if master is None or master.merged_into is None:
            return master
        account_number = master.merged_into
    raise HeadquartersUnavailable(f"HQ customer {account_number} is merged in a chain too long to follow")


def record_of_master(dependencies: Dependencies, master: HqCustomer) -> CustomerRecord | None:
    """The channel record that shows an HQ customer: the one its changes are made on."""
    return dependencies.customers.get(master.channel_id, master.customer_id)


def find_customer(
    dependencies: Dependencies, *, channel_id: str, ref: str, to_change: bool = False
) -> CustomerRecord | None:
    """As `_find_customer`; a person erased at their request answers 410 by every GUID and account."""
    record = _find_customer(dependencies, channel_id=channel_id, ref=ref, to_change=to_change)
    if record is not None and record.erased_at is not None:
        raise CustomerErased(f"Customer '{ref}' was erased")
    return record


def _find_customer(
    dependencies: Dependencies, *, channel_id: str, ref: str, to_change: bool = False
) -> CustomerRecord | None:
    """By GUID or account number; pending customers are only visible in their own channel, and an
    online channel sees only its own customers (None for any other, as if it did not exist).

    `to_change`: the record a change must go to. A linked customer is shown as itself, with the
    account it resolves to, but an edit, an address or a loyalty card goes to the HQ customer's record.
    """
    only_own = not require_channel(dependencies, channel_id).reaches_everyone()
    account_number: str | None
    if is_guid(ref):
        customer_id = ref.lower()
        own = dependencies.customers.get(channel_id, customer_id)
        if own is None and only_own:
            return None  # created through another channel
        if own is not None and not own.redirects:
            return own
        if own is not None and own.linked_to_existing and not to_change:
            assert own.account_number is not None
            survivor = surviving_master(dependencies, own.account_number)
            return (
                own
                if survivor is None
                else own.model_copy(update={"account_number": survivor.account_number})
            )
        if own is not None:
            account_number = own.merged_into or own.account_number
        else:
            account_number = dependencies.headquarters.account_number_of(customer_id)
    elif is_account_number_shaped(ref):
        if only_own and not _made_for(dependencies, ref, channel_id=channel_id):
            return None
        account_number = ref
    else:
        return None
    return _record_of_account(dependencies, account_number, channel_id=channel_id)


def _made_for(dependencies: Dependencies, account_number: str, *, channel_id: str) -> bool:
    """HQ made this account for a customer created through `channel_id` (merged since, it still
    leads to the customer it became)."""
    master = dependencies.headquarters.get(account_number)
    return master is not None and master.channel_id == channel_id


def _record_of_account(
    dependencies: Dependencies, account_number: str | None, *, channel_id: str
) -> CustomerRecord | None:
    """The channel record holding the HQ customer; a merge half done is followed from either side."""
    for _ in range(MAX_MERGE_HOPS):
        if account_number is None:
            return None
        master = surviving_master(dependencies, account_number)
        if master is None:
            return None
        record = dependencies.customers.get(master.channel_id, master.customer_id)
        if record is None or (record.is_pending and record.channel_id != channel_id):
            return None
        if record.merged_into is None:
            return record
        account_number = record.merged_into
    return None

"""Who a data subject request is about: everything one GUID or account number resolves to.

From the GUID or account named: the HQ customer it stands for now (after its merges), every account
merged into it, the channel record that shows each, every GUID bound to one of them (linked
customers of other channels), and, for a customer not converted yet, its channel record.
"""

from __future__ import annotations

from shared.domain.identifiers import is_account_number_shaped, is_guid
from shared.domain.privacy import Person, PersonRecord
from shared.services.dependencies import Dependencies
from shared.services.resolution import surviving_master


def resolve_person(dependencies: Dependencies, ref: str) -> Person | None:
    """None when the GUID or account number names nobody the app holds."""
    person = Person()
    account: str | None = ref if is_account_number_shaped(ref) else None
    if is_guid(ref):
        account = _account_of_guid(dependencies, person, ref.lower())
    if account is not None:
        survivor = surviving_master(dependencies, account)
        if survivor is not None:
            _add_accounts(dependencies, person, survivor.account_number)
    if not person.records and not person.accounts:
        return None
    for customer_id in dependencies.headquarters.customers_bound_to(person.accounts):
        channel_id = dependencies.customer_ids.channel_of(customer_id)
        if channel_id is not None:
            person.add_record(PersonRecord(channel_id, customer_id))
    return person


def _account_of_guid(dependencies: Dependencies, person: Person, customer_id: str) -> str | None:
    channel_id = dependencies.customer_ids.channel_of(customer_id)
    record = dependencies.customers.get(channel_id, customer_id) if channel_id else None
    if channel_id is not None and record is not None:
        person.add_record(PersonRecord(channel_id, customer_id))
    if record is not None and (record.merged_into or record.account_number):
        return record.merged_into or record.account_number
    return dependencies.headquarters.account_number_of(customer_id)


def _add_accounts(dependencies: Dependencies, person: Person, account_number: str) -> None:
    """The account, the records that show it, and every account merged into it, the same way."""
    waiting = [account_number]
    while waiting:
        account = waiting.pop(0)
        if account in person.accounts:
            continue
        person.add_account(account)
        master = dependencies.headquarters.get(account)
        if master is None:
            continue
        person.add_record(PersonRecord(master.channel_id, master.customer_id))
        record = dependencies.customers.get(master.channel_id, master.customer_id)
        if record is not None:
            waiting += [merged for merged in record.merged_account_numbers if merged not in person.accounts]

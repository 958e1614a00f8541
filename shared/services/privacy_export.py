"""The export of a data subject request (GDPR Articles 15 and 20): one JSON document with every
record held about the person, read from every store that may hold one, when it is asked for."""

from __future__ import annotations

from typing import Any

from shared.domain.privacy import ExportDocument, Person, PrivacyRequest
from shared.services.customer_views import customer_view
from shared.services.dependencies import Dependencies

ACCESS_LOG_PAGE = 1000

# Every store the document is read from, by the name it has in storage.
STORES_READ = [
    "ChannelCustomers",
    "CustomerIds",
    "AccessLog",
    "HqCustomers",
    "HqCustomerKeys",
    "HqCustomerAddresses",
    "HqLoyaltyCards",
    "HqDuplicates",
    "HqCustomers (the account's events)",
]


def export_document(dependencies: Dependencies, request: PrivacyRequest, person: Person) -> ExportDocument:
    records: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    consents: list[dict[str, Any]] = []
    operations: list[dict[str, Any]] = []
    for place in person.records:
        record = dependencies.customers.get(place.channel_id, place.customer_id)
        if record is None:
            continue
        records.append(
            customer_view(dependencies, record).model_dump(mode="json", by_alias=True, exclude={"version"})
        )
        where = {"channelId": place.channel_id, "customerId": place.customer_id}
        addresses += [
            {**where, "heldBy": "channel", **address.model_dump(mode="json", by_alias=True)}
            for address in dependencies.customers.addresses(place.channel_id, place.customer_id)
        ]
        consents += [
            {**where, **change.model_dump(mode="json", by_alias=True)}
            for _, change in dependencies.customers.consents(place.channel_id, place.customer_id)
        ]
        operations += [
            operation.model_dump(mode="json", by_alias=True)
            for operation in dependencies.customers.operation_history(place.channel_id, place.customer_id)
        ]
    masters: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for account in person.accounts:
        master = dependencies.headquarters.get(account)
        if master is not None:
            masters.append(
                {
                    "accountNumber": account,
                    "customerId": master.customer_id,
                    "channelId": master.channel_id,
                    "mergedInto": master.merged_into,
                    "profile": master.profile.model_dump(mode="json", by_alias=True),
                }
            )
        addresses += [
            {"accountNumber": account, "heldBy": "hq", **address.model_dump(mode="json", by_alias=True)}
            for address in dependencies.headquarters.addresses(account)
        ]
        cards += [
            {"accountNumber": account, "cardNumber": card}
            for card in dependencies.headquarters.loyalty_cards(account)
        ]
        events += [
            event.cloud_event(dependencies.settings.event_source)
            for event in dependencies.customer_events.after(account, 0, limit=10_000)
        ]
    return ExportDocument(
        request_id=request.request_id,
        generated_at=dependencies.clock(),
        stores_read=list(STORES_READ),
        accounts=person.accounts,
        customer_ids=person.customer_ids,
        channel_records=records,
        hq_masters=masters,
        addresses=addresses,
        loyalty_cards=cards,
        consent_history=consents,
        duplicate_candidates=[
            candidate.model_dump(mode="json", by_alias=True)
            for candidate in dependencies.duplicates.involving(person.accounts)
        ],
        sync_operations=operations,
        events=events,
        access_log=_access_log(dependencies, person),
    )


def _access_log(dependencies: Dependencies, person: Person) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = dependencies.access_log.for_person(
            customer_ids=person.customer_ids,
            account_numbers=person.accounts,
            after=after,
            limit=ACCESS_LOG_PAGE,
        )
        entries += [entry.model_dump(mode="json", by_alias=True) for _, entry in page]
        if len(page) < ACCESS_LOG_PAGE:
            return entries
        after = page[-1][0]


def counted(document: ExportDocument) -> dict[str, int]:
    """What the export holds, counted: a request's summary, never the values."""
    return {
        "channelRecords": len(document.channel_records),
        "hqMasters": len(document.hq_masters),
        "addresses": len(document.addresses),
        "loyaltyCards": len(document.loyalty_cards),
        "consentChanges": len(document.consent_history),
        "duplicateCandidates": len(document.duplicate_candidates),
        "syncOperations": len(document.sync_operations),
        "events": len(document.events),
        "accessLogEntries": len(document.access_log),
    }

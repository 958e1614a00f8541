"""Customer ids are global: a GUID names one customer of one channel, whoever chose it.

Clients may choose the GUID (`customerId`), so before a channel stores a customer the id is claimed
here with a create-only row; a second channel presenting the same id is refused, and two customers
can never share one HQ binding and so one account number.
"""

from __future__ import annotations

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from shared.storage.account import StorageAccount, translate_storage_errors
from shared.storage.ports import IdClaim

CUSTOMER_IDS_TABLE = "CustomerIds"
CLAIM_ROW = "claim"


class CustomerIdRegistry:
    def __init__(self, account: StorageAccount) -> None:
        self._account = account

    def claim(self, customer_id: str, channel_id: str) -> IdClaim:
        """Claims the id for the channel; says which channel holds it and whether this call took it."""
        table = self._account.table(CUSTOMER_IDS_TABLE)
        with translate_storage_errors():
            try:
                table.create_entity(
                    {"PartitionKey": customer_id, "RowKey": CLAIM_ROW, "ChannelId": channel_id}
                )
                return IdClaim(owner=channel_id, taken_now=True)
            except ResourceExistsError:
                pass
            try:
                return IdClaim(
                    owner=str(table.get_entity(customer_id, CLAIM_ROW)["ChannelId"]), taken_now=False
                )
            except ResourceNotFoundError:  # pragma: no cover - claims are never deleted
                return IdClaim(owner=channel_id, taken_now=False)

    def channel_of(self, customer_id: str) -> str | None:
        """The channel that holds the id, if any claimed it."""
        with translate_storage_errors():
            try:
                return str(
                    self._account.table(CUSTOMER_IDS_TABLE).get_entity(customer_id, CLAIM_ROW)["ChannelId"]
                )
            except ResourceNotFoundError:
                return None

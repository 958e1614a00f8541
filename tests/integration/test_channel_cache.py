"""Channels and keys are cached per instance: changes here count at once, elsewhere within the TTL."""

from __future__ import annotations

from shared.domain.access import new_channel_key
from shared.domain.channel import Channel, ChannelKind, ChannelUpsert
from shared.storage.account import StorageAccount
from shared.storage.cached import CachedChannelKeys, CachedChannels
from shared.storage.channel_keys import ChannelKeyTable
from shared.storage.channels import CHANNELS_PARTITION, CHANNELS_TABLE, ChannelTable
from shared.storage.ports import StoredKey
from tests.support.builders import unique_channel_id


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_key_stops_at_once_here_and_within_the_ttl_elsewhere(
    storage_connection_string: str,
) -> None:
    clock = FakeClock()
    here, elsewhere = (
        CachedChannelKeys(
            ChannelKeyTable(StorageAccount(storage_connection_string)), ttl_seconds=5, clock=clock
        )
        for _ in range(2)
    )
    issued = new_channel_key(unique_channel_id())
    stored = StoredKey(issued.channel_id, issued.key_id, issued.salt, issued.secret_hash)
    here.add(stored)
    assert elsewhere.get(issued.channel_id, issued.key_id) == stored  # a new key works everywhere at once
    assert here.get(issued.channel_id, issued.key_id) == stored
    assert here.remove(issued.channel_id, issued.key_id)
    assert here.get(issued.channel_id, issued.key_id) is None
    assert elsewhere.get(issued.channel_id, issued.key_id) == stored  # still cached over there
    clock.now += 5
    assert elsewhere.get(issued.channel_id, issued.key_id) is None


def test_a_profile_change_counts_at_once_here_and_within_the_ttl_elsewhere(
    storage_connection_string: str,
) -> None:
    clock = FakeClock()
    here, elsewhere = (
        CachedChannels(ChannelTable(StorageAccount(storage_connection_string)), ttl_seconds=5, clock=clock)
        for _ in range(2)
    )
    channel = Channel.new(unique_channel_id(), ChannelUpsert(name="Store"))
    here.save(channel)
    assert elsewhere.get(channel.channel_id) == channel
    changed = channel.updated(ChannelUpsert(async_customer_creation=True))
    here.save(changed)
    assert here.get(channel.channel_id) == changed
    assert elsewhere.get(channel.channel_id) == channel
    clock.now += 5
    assert elsewhere.get(channel.channel_id) == changed


def test_a_channel_saved_before_kinds_existed_reads_as_a_store(storage_connection_string: str) -> None:
    channel_id = unique_channel_id()
    account = StorageAccount(storage_connection_string)
    account.table(CHANNELS_TABLE).upsert_entity(
        {
            "PartitionKey": CHANNELS_PARTITION,
            "RowKey": channel_id,
            "Name": "Old store",
            "DefaultCountry": "FRA",
        }
    )
    channels = ChannelTable(account)
    old = channels.get(channel_id)
    assert old is not None and old.kind is ChannelKind.STORE and old.reaches_everyone()
    channels.save(old.updated(ChannelUpsert(kind=ChannelKind.ONLINE)))
    online = channels.get(channel_id)
    assert online is not None and online.kind is ChannelKind.ONLINE and not online.reaches_everyone()
    assert (online.name, online.default_country) == ("Old store", "FRA")

"""Channel set-up by an admin: name, default country and functionality profile."""

from __future__ import annotations

from typing import Any

from shared.domain.channel import CHANNEL_ID_PATTERN, Channel, ChannelUpsert, is_valid_channel_id
from shared.domain.errors import ChannelNotFound, FieldError, ValidationFailed
from shared.domain.validation import parse_model
from shared.services.dependencies import Dependencies


def save_channel(dependencies: Dependencies, *, channel_id: str, body: Any) -> tuple[Channel, bool]:
    """Creates or updates a channel; returns it and whether it was created."""
    if not is_valid_channel_id(channel_id):
        raise ValidationFailed([FieldError("channelId", f"must match {CHANNEL_ID_PATTERN.pattern}")])
    changes = parse_model(ChannelUpsert, body)
    existing = dependencies.channels.get(channel_id)
    channel = existing.updated(changes) if existing else Channel.new(channel_id, changes)
    dependencies.channels.save(channel)
    return channel, existing is None


def require_channel(dependencies: Dependencies, channel_id: str) -> Channel:
    channel = dependencies.channels.get(channel_id) if is_valid_channel_id(channel_id) else None
    if channel is None:
        raise ChannelNotFound(f"Channel '{channel_id}' does not exist")
    return channel

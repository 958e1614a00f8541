"""Queue output bindings: values a function sets are sent only after it succeeds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from devhost.app_settings import resolve_setting_references, storage_connection_string
from devhost.indexing import BindingSpec, FunctionSpec
from devhost.storage import QueueClients, encode_message


@dataclass(frozen=True)
class QueueTarget:
    connection_string: str
    queue_name: str


class QueueOutputs:
    """Resolves each queue output's queue at start-up and delivers the values after a call."""

    def __init__(self, clients: QueueClients, message_encoding: str) -> None:
        self._clients = clients
        self._encoding = message_encoding
        self._targets: dict[tuple[str, str], QueueTarget] = {}

    def prepare(self, spec: FunctionSpec) -> None:
        """Resolve `%SETTING%` names and connections now, so mistakes fail start-up."""
        for binding in spec.output_bindings:
            if binding.type != "queue":
                continue
            where = f"Function '{spec.name}', output '{binding.name}'"
            self._targets[(spec.name, binding.name)] = QueueTarget(
                storage_connection_string(binding.properties.get("connection"), where),
                resolve_setting_references(str(binding.properties.get("queueName", "")), where),
            )

    def deliver(self, spec: FunctionSpec, values: dict[str, Any]) -> None:
        """Send what the function put in its queue outputs; raises if storage refuses."""
        for binding in spec.output_bindings:
            value = values.get(binding.name)
            if binding.type == "queue" and value is not None:
                self._send(spec, binding, value)

    def _send(self, spec: FunctionSpec, binding: BindingSpec, value: Any) -> None:
        target = self._targets[(spec.name, binding.name)]
        client = self._clients.get(target.connection_string, target.queue_name)
        for body in _message_bodies(value):
            client.send_message(encode_message(body, self._encoding))


def _message_bodies(value: Any) -> Iterable[bytes | str]:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if isinstance(item, str | bytes):
            yield item
        elif isinstance(item, func.QueueMessage):
            yield item.get_body()
        else:
            raise TypeError(
                f"a queue output accepts str, bytes, QueueMessage or a list of them, "
                f"not {type(item).__name__}"
            )

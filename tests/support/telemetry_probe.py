"""Run in a process of its own by tests/integration/test_telemetry.py: switches telemetry on from the
environment as the function app does, lives a customer's life on Azurite with personal data, and
flushes what the exporters hold."""

from __future__ import annotations

import logging
import os
import sys

from opentelemetry import _logs, metrics, trace

from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from shared.services.search import search_customers
from shared.telemetry import configure_telemetry, invocation
from tests.support.builders import add_channel, make_dependencies

PROBE_INVOCATION = "probe-invocation-0001"
PERSON = {
    "firstName": "Philippa",
    "lastName": "Quarrington",
    "email": "philippa.quarrington@example.org",
    "phone": "+442079460777",
}


def main() -> int:
    if not configure_telemetry():
        print("telemetry was not switched on", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    dependencies = make_dependencies(os.environ["AzureWebJobsStorage"])
    channel = add_channel(dependencies, async_customer_creation=True)
    with invocation(PROBE_INVOCATION):
        created = create_customer(dependencies, channel_id=channel.channel_id, body=PERSON)
        convert_async_customer(
            dependencies, channel_id=channel.channel_id, customer_id=created.customer.customer_id
        )
        # A search puts the term in the storage query; a synced entry alone in its partition is
        # written by its key, in the request's path.
        search_customers(dependencies, channel_id=channel.channel_id, text=PERSON["lastName"])
    print(created.customer.customer_id)
    for provider in (metrics.get_meter_provider(), _logs.get_logger_provider(), trace.get_tracer_provider()):
        flush = getattr(provider, "force_flush", None)
        if flush is not None:
            flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench.profile` (under `python -m devhost.azurite run --ports free --`): this process's
CPU per create and per conversion, called in-process on Azurite, and where a create's CPU goes."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time

from bench.sample_customers import till_customer
from shared.services.conversion import convert_async_customer
from shared.services.customers import create_customer
from tests.support.builders import add_channel, make_dependencies

CUSTOMERS = 200
WARMUP = 30


def main() -> int:
    dependencies = make_dependencies(os.environ["AzureWebJobsStorage"])
    channel = add_channel(dependencies, async_customer_creation=True)

    def create() -> str:
        return create_customer(
            dependencies, channel_id=channel.channel_id, body=till_customer()
        ).customer.customer_id

    for _ in range(WARMUP):
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=create())
    started = time.process_time()
    created = [create() for _ in range(CUSTOMERS)]
    create_ms = (time.process_time() - started) * 1000 / CUSTOMERS
    started = time.process_time()
    for customer_id in created:
        convert_async_customer(dependencies, channel_id=channel.channel_id, customer_id=customer_id)
    conversion_ms = (time.process_time() - started) * 1000 / CUSTOMERS
    print(f"CPU per create {create_ms:.2f} ms, per conversion {conversion_ms:.2f} ms ({CUSTOMERS} each)")
    profile = cProfile.Profile()
    profile.runcall(lambda: [create() for _ in range(CUSTOMERS)])
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())

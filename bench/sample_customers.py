"""Create bodies like a till sends them: a person with e-mail, phone and one address."""

from __future__ import annotations

import itertools
from typing import Any

_serial = itertools.count(1)


def till_customer() -> dict[str, Any]:
    """A distinct, valid customer on every call, so no create is mistaken for a retry."""
    number = next(_serial)
    return {
        "firstName": "Grace",
        "lastName": f"Hopper{number}",
        "email": f"grace.hopper{number}@example.com",
        "phone": "(206) 555-0100",
        "addresses": [
            {
                "street": f"{number} Pike Street",
                "city": "Seattle",
                "state": "WA",
                "zipCode": "98101",
                "countryRegionId": "USA",
            }
        ],
    }

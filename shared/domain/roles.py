"""Who made an admin call: a person signed in with Entra ID and the app roles they hold, or the
admin key, kept for break-glass and local runs, which holds every role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The app roles an Entra ID app registration declares; a token carries those assigned to its person."""

    # sync status, operations, runs, history: the console's data
    SYNC_OPERATOR = "Sync.Operator"
    # channels, keys, attributes, duplicates, webhooks, the change feed
    CUSTOMERS_STEWARD = "Customers.Steward"
    # data subject requests, access logs, the audit log
    PRIVACY_OFFICER = "Privacy.Officer"


ADMIN_KEY_ACTOR = "admin-key"
# A JWT: three base64url parts. A channel key (`ck.<channel>.<id>.<secret>`) has four, so the two
# never look alike.
_JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Actor:
    """Who acts: an Entra ID object id (`oid`), or `admin-key`; never a name or an e-mail."""

    actor_id: str
    roles: frozenset[Role]

    def holds(self, role: Role) -> bool:
        return role in self.roles


ADMIN_KEY_HOLDER = Actor(ADMIN_KEY_ACTOR, frozenset(Role))


def looks_like_jwt(token: str) -> bool:
    return len(token) <= 16_384 and _JWT_SHAPE.fullmatch(token) is not None

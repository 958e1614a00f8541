"""Business errors: each a plain exception with a `code` clients see (the problem `type`) and a message.

How an error reaches a client (status, headers, problem+json) is the HTTP edge's business alone:
`functions/http_api.py` maps each code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A rule of the business was broken; `code` names the rule, `message` says what happened."""

    code = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(DomainError):
    code = "invalid-request"


class ValidationFailed(DomainError):
    code = "validation-error"

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        names = ", ".join(sorted({error.field for error in errors}))
        super().__init__(message or f"Invalid fields: {names}")
        self.errors = errors


class PayloadTooLarge(DomainError):
    code = "payload-too-large"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class SignInUnavailable(DomainError):
    """The Entra ID tenant's configuration or signing keys could not be read: try again shortly."""

    code = "sign-in-unavailable"


class KeySuspended(DomainError):
    """The key read more distinct customers in an hour than any till does: suspended until an admin
    reinstates it (or revokes it)."""

    code = "key-suspended"


class RoleRequired(DomainError):
    """A person signed in, without the app role this route needs."""

    code = "role-required"


class ChannelKindForbidsSearch(DomainError):
    """An online channel's key reaches only its own customers: it may not look for others."""

    code = "channel-kind-forbids-search"


class ChannelNotFound(DomainError):
    code = "channel-not-found"


class CustomerNotFound(DomainError):
    code = "customer-not-found"


class NotFound(DomainError):
    code = "not-found"


class CustomerErased(DomainError):
    """The person was erased at their request: the GUID and account stay taken, and answer this."""

    code = "customer-erased"


class PrivacyRequestNotReady(DomainError):
    """Its answer is read once the request is done (and only an export has a document)."""

    code = "privacy-request-not-ready"


class CustomerIdConflict(DomainError):
    code = "customer-id-conflict"


class AsyncCustomerNotEditable(DomainError):
    code = "async-customer-not-editable"


class AsyncCustomerLoyaltyUnavailable(DomainError):
    code = "async-customer-loyalty-unavailable"


class AsyncCustomerAddressUnavailable(DomainError):
    code = "async-customer-address-unavailable"


class OfflineCreationDisabled(DomainError):
    code = "offline-customer-creation-disabled"


class OperationAlreadySynced(DomainError):
    code = "operation-already-synced"


class CustomerAlreadySynced(DomainError):
    """A conversion found the customer converted by another: its work is done."""

    code = "customer-already-synced"


class AccountNumberTaken(DomainError):
    code = "account-number-taken"


class VersionMismatch(DomainError):
    code = "version-mismatch"


class HeadquartersUnavailable(DomainError):
    """HQ did not answer in time or failed: a sync create falls back to async on it."""

    code = "headquarters-unavailable"


class DuplicateMergeStarted(DomainError):
    """A merge once started is finished, never undone by a dismiss."""

    code = "duplicate-merge-started"


class DuplicateDismissed(DomainError):
    code = "duplicate-dismissed"


class MergeContended(DomainError):
    """A customer of the pair kept changing; asking again finishes the merge."""

    code = "merge-contended"


class ConversionContended(DomainError):
    """The customer changed during every conversion attempt; the queue or the batch tries again."""

    code = "conversion-contended"


class DefinitionsContended(DomainError):
    """Other admins kept changing the definitions; asking again decides on what is there then."""

    code = "attributes-contended"


class FoldContended(DomainError):
    """The survivor kept changing while another customer was folded into it; asking again finishes."""

    code = "survivor-contended"


class LinkTargetPending(DomainError):
    """The matching customer is being converted right now; the queue or the batch tries again."""

    code = "link-target-pending"


class StorageUnavailable(DomainError):
    """The channel's own storage is down, or throttling beyond the SDK's retries."""

    code = "storage-unavailable"


class MergeExceedsLimits(DomainError):
    """The survivor cannot hold everything the other customer brings without dropping some of it."""

    code = "merge-exceeds-limits"

    def __init__(self, field: str, count: int, limit: int) -> None:
        super().__init__(f"'{field}' would hold {count} entries after the merge; at most {limit} fit")
        self.field = field
        self.errors = [FieldError(field, f"would hold {count} entries; at most {limit} fit")]


Choice = TypeVar("Choice", bound=StrEnum)


def parse_choice(field: str, value: str | None, choices: type[Choice]) -> Choice | None:
    """A query value that must name one of `choices` exactly; None when it was not sent."""
    if value is None:
        return None
    for choice in choices:
        if choice.value == value:
            return choice
    raise ValidationFailed([FieldError(field, f"must be one of {', '.join(c.value for c in choices)}")])

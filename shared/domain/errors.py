"""Domain errors carry a slug and an HTTP status so one trigger-side function can render problem+json."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A rule of the business was broken; `slug` names it for clients (the problem `type`)."""

    slug = "domain-error"
    title = "Request could not be processed"
    status = 400

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class InvalidRequest(DomainError):
    slug = "invalid-request"
    title = "The request is malformed"
    status = 400


class ValidationFailed(DomainError):
    slug = "validation-error"
    title = "The request has invalid fields"
    status = 422

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        names = ", ".join(sorted({error.field for error in errors}))
        super().__init__(detail or f"Invalid fields: {names}")
        self.errors = errors


class PayloadTooLarge(DomainError):
    slug = "payload-too-large"
    title = "The request body is too large"
    status = 413


class Unauthorized(DomainError):
    slug = "unauthorized"
    title = "Authentication required"
    status = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="commerce"'})


class Forbidden(DomainError):
    slug = "forbidden"
    title = "This key may not access this resource"
    status = 403


class ChannelNotFound(DomainError):
    slug = "channel-not-found"
    title = "Channel not found"
    status = 404


class CustomerNotFound(DomainError):
    slug = "customer-not-found"
    title = "Customer not found"
    status = 404


class NotFound(DomainError):
    slug = "not-found"
    title = "Not found"
    status = 404


class CustomerIdConflict(DomainError):
    slug = "customer-id-conflict"
    title = "This customer id was already used with a different request"
    status = 409


class AsyncCustomerNotEditable(DomainError):
    slug = "async-customer-not-editable"
    title = "A customer pending synchronization cannot be edited"
    status = 409


class AsyncCustomerLoyaltyUnavailable(DomainError):
    slug = "async-customer-loyalty-unavailable"
    title = "A customer pending synchronization cannot get a loyalty card"
    status = 409


class AsyncCustomerAddressUnavailable(DomainError):
    slug = "async-customer-address-unavailable"
    title = "A customer pending synchronization cannot get another address"
    status = 409


class OfflineCreationDisabled(DomainError):
    slug = "offline-customer-creation-disabled"
    title = "This channel does not accept customers created offline"
    status = 403


class OperationAlreadySynced(DomainError):
    slug = "operation-already-synced"
    title = "This synchronization operation is already done"
    status = 409


class AccountNumberTaken(DomainError):
    slug = "account-number-taken"
    title = "The account number is bound to another customer"
    status = 409


class VersionMismatch(DomainError):
    slug = "version-mismatch"
    title = "The customer changed since it was read"
    status = 412


class HeadquartersUnavailable(DomainError):
    slug = "headquarters-unavailable"
    title = "Headquarters is not reachable"
    status = 503

    def __init__(self, detail: str, *, retry_after_seconds: int = 30) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds)})


class StorageUnavailable(DomainError):
    slug = "storage-unavailable"
    title = "Storage is not reachable"
    status = 503

    def __init__(self, detail: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds)})

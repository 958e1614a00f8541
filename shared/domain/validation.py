"""Turns request bodies into domain models, reporting every invalid field by its JSON path."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.domain.errors import FieldError, ValidationFailed
from shared.domain.profile import CustomerCreate, CustomerProfile

ModelT = TypeVar("ModelT", bound=BaseModel)


def field_path(location: tuple[int | str, ...]) -> str:
    """`('addresses', 0, 'city')` -> `addresses[0].city`; the empty location is the body itself."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "extra_forbidden":
        message = "is not a known field"
    return message


def field_errors(error: ValidationError) -> list[FieldError]:
    return [
        FieldError(field_path(tuple(item["loc"])), _message(dict(item)))
        for item in error.errors(include_url=False)
    ]


def parse_model(model: type[ModelT], data: Any, *, context: dict[str, Any] | None = None) -> ModelT:
    try:
        # Clients speak the contract's camelCase only; Python field names are unknown fields.
        return model.model_validate(data, context=context, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ValidationFailed(field_errors(error)) from None


def parse_customer_create(data: Any, *, default_country: str) -> CustomerCreate:
    """Validates a create body; phones without a country code are read in the channel's country."""
    request = parse_model(CustomerCreate, data, context={"default_country": default_country})
    _require_names(request)
    return request


def _require_names(profile: CustomerProfile) -> None:
    missing = profile.missing_fields()
    if missing:
        raise ValidationFailed([FieldError(name, why) for name, why in missing])

"""Customer attributes: fields a retailer defines once in HQ and every till shows.

D365 calls them the customer attribute group. A definition says what a value may be; the values
live in the customer's profile, so they travel to HQ with the customer and with every edit. A
retired definition accepts no new value, but the values customers have stay readable.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StrictBool, model_validator

from shared.domain.errors import FieldError
from shared.domain.models import ApiModel
from shared.domain.text import REFUSED_MESSAGE, SAFE_TEXT, has_unsafe_characters, line

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NAME_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,39}")
MAX_DEFINITIONS = 50
MAX_CHOICES = 100
DEFAULT_TEXT_LENGTH = 100
MAX_TEXT_LENGTH = 1000
MAX_VALUES_BYTES = 16 * 1024  # all of one customer's attribute values, in UTF-8
DECIMAL_DIGITS = 28  # what a decimal value keeps; more is a mistake, not a measurement


class AttributeType(StrEnum):
    TEXT = "Text"
    INTEGER = "Integer"
    DECIMAL = "Decimal"
    BOOLEAN = "Boolean"
    DATE = "Date"
    CHOICE = "Choice"


class AttributeDefinitionInput(ApiModel):
    """Body of `PUT /api/customer-attributes/{name}`."""

    label: Annotated[str, line(60), SAFE_TEXT]
    type: AttributeType
    choices: list[Annotated[str, line(60), SAFE_TEXT]] | None = Field(default=None, max_length=MAX_CHOICES)
    required: StrictBool = False
    max_length: int | None = Field(default=None, ge=1, le=MAX_TEXT_LENGTH)

    @model_validator(mode="after")
    def _fits_its_type(self) -> AttributeDefinitionInput:
        if self.type is AttributeType.CHOICE:
            if not self.choices:
                raise ValueError("a Choice attribute needs 'choices'")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError("'choices' must be distinct")
        elif self.choices is not None:
            raise ValueError("only a Choice attribute has 'choices'")
        if self.max_length is not None and self.type is not AttributeType.TEXT:
            raise ValueError("only a Text attribute has 'maxLength'")
        return self


class AttributeDefinition(AttributeDefinitionInput):
    """A definition as HQ keeps it and `GET /api/customer-attributes` lists it."""

    name: str
    retired: bool = False

    @property
    def text_length(self) -> int:
        return self.max_length or DEFAULT_TEXT_LENGTH


class AttributeList(ApiModel):
    items: list[AttributeDefinition]


def is_valid_name(name: str) -> bool:
    return NAME_PATTERN.fullmatch(name) is not None


def checked_value(definition: AttributeDefinition, value: Any) -> tuple[Any, str | None]:
    """The value as stored (dates and decimals as strings), or why it is not one."""
    kind = definition.type
    if kind is AttributeType.TEXT:
        if not isinstance(value, str):
            return None, "must be a text"
        if len(value) > definition.text_length:
            return None, f"must be at most {definition.text_length} characters"
        if has_unsafe_characters(value):
            return None, REFUSED_MESSAGE
        return value, None
    if kind is AttributeType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
            return None, "must be an integer"
        return value, None
    if kind is AttributeType.DECIMAL:
        return _decimal(value)
    if kind is AttributeType.BOOLEAN:
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if kind is AttributeType.DATE:
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            with suppress(ValueError):
                return date.fromisoformat(value).isoformat(), None
        return None, "must be a date (YYYY-MM-DD)"
    choices = definition.choices or []
    if value not in choices:
        return None, "must be one of " + ", ".join(repr(choice) for choice in choices)
    return value, None


def _decimal(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, "must be a decimal number"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None, "must be a decimal number"
    if (
        not number.is_finite()
        or len(number.as_tuple().digits) > DECIMAL_DIGITS
        or abs(number.adjusted()) > DECIMAL_DIGITS
    ):
        return None, f"must be a decimal number of at most {DECIMAL_DIGITS} digits"
    return str(number), None


def check_attributes(
    values: dict[str, Any],
    definitions: dict[str, AttributeDefinition],
    *,
    changed: set[str] | None = None,
    creating: bool,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Checks the values against their definitions; answers the values as stored and the errors,
    each naming `attributes.<name>`. `changed` (an edit) limits the check to the values sent, so a
    value of a definition retired since stays as it is."""
    stored: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, value in values.items():
        definition = definitions.get(name)
        if changed is not None and name not in changed:
            stored[name] = value
            continue
        if not is_valid_name(name):  # never echo arbitrary client text back as a field name
            errors.append(FieldError("attributes", "holds a name no customer attribute can have"))
            continue
        if definition is None or definition.retired:
            errors.append(FieldError(f"attributes.{name}", "is not a customer attribute HQ defines"))
            continue
        kept, problem = checked_value(definition, value)
        if problem:
            errors.append(FieldError(f"attributes.{name}", problem))
        else:
            stored[name] = kept
    if creating:
        for name, definition in definitions.items():
            if definition.required and not definition.retired and name not in values:
                errors.append(FieldError(f"attributes.{name}", "is required"))
    return stored, errors


def values_size(values: dict[str, Any]) -> int:
    """The UTF-8 size of a customer's attribute values as stored (true, 42, 2026-01-31, the text)."""
    return sum(len(_as_text(value).encode()) for value in values.values() if value is not None)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def size_error(values: dict[str, Any]) -> FieldError | None:
    size = values_size(values)
    if size <= MAX_VALUES_BYTES:
        return None
    return FieldError(
        "attributes",
        f"values total {size} bytes (UTF-8); a customer's values total at most {MAX_VALUES_BYTES}",
    )

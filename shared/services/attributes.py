"""Customer attribute definitions (admin) and checking a customer's values against them."""

from __future__ import annotations

import logging
from typing import Any

from shared.domain.attributes import (
    MAX_DEFINITIONS,
    AttributeDefinition,
    AttributeDefinitionInput,
    check_attributes,
    is_valid_name,
    size_error,
)
from shared.domain.errors import DefinitionsContended, FieldError, NotFound, ValidationFailed
from shared.domain.profile import CustomerProfile
from shared.domain.validation import parse_model
from shared.optimistic import SHARED_COUNTER_ATTEMPTS, retry_on_conflict
from shared.services.dependencies import Dependencies
from shared.storage.ports import RecordChanged

logger = logging.getLogger(__name__)


def define_attribute(dependencies: Dependencies, *, name: str, body: Any) -> tuple[AttributeDefinition, bool]:
    """Creates or replaces a definition (a retired one comes back); answers it and whether it is new.

    Decided on the definitions as stored and written only if none changed meanwhile, so admins
    defining at once never pass the cap or take two names that differ only in case."""
    if not is_valid_name(name):
        raise ValidationFailed(
            [FieldError("name", "must be a letter then up to 39 letters, digits or underscores")]
        )
    given = parse_model(AttributeDefinitionInput, body)

    def attempt() -> tuple[AttributeDefinition, bool]:
        known, version = dependencies.attribute_definitions.versioned()
        existing = known.get(name)
        namesake = next(
            (d for d in known.values() if d.name != name and d.name.casefold() == name.casefold()), None
        )
        if namesake is not None:
            raise ValidationFailed(
                [FieldError("name", f"differs only in case from the customer attribute '{namesake.name}'")]
            )
        live = sum(1 for definition in known.values() if not definition.retired)
        if (existing is None or existing.retired) and live >= MAX_DEFINITIONS:
            raise ValidationFailed(
                [FieldError("name", f"HQ keeps at most {MAX_DEFINITIONS} customer attributes")]
            )
        definition = AttributeDefinition(name=name, **given.model_dump())
        dependencies.attribute_definitions.save(definition, version=version)
        return definition, existing is None

    definition, created = retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        attempts=SHARED_COUNTER_ATTEMPTS,
        exhausted=DefinitionsContended("Customer attributes kept changing; define it again"),
    )
    logger.info("Customer attribute %s %s", name, "defined" if created else "changed")
    return definition, created


def retire_attribute(dependencies: Dependencies, *, name: str) -> AttributeDefinition:
    """No new value is accepted; the values customers have stay, and stay readable."""

    def attempt() -> AttributeDefinition:
        known, version = dependencies.attribute_definitions.versioned()
        definition = known.get(name)
        if definition is None:
            raise NotFound(f"No customer attribute '{name}'")
        retired = definition.model_copy(update={"retired": True})
        if not definition.retired:
            dependencies.attribute_definitions.save(retired, version=version)
            logger.info("Customer attribute %s retired", name)
        return retired

    return retry_on_conflict(
        attempt,
        conflicts=(RecordChanged,),
        attempts=SHARED_COUNTER_ATTEMPTS,
        exhausted=DefinitionsContended("Customer attributes kept changing; retire it again"),
    )


def list_attributes(dependencies: Dependencies, *, include_retired: bool) -> list[AttributeDefinition]:
    found = dependencies.attribute_definitions.all().values()
    return sorted((d for d in found if include_retired or not d.retired), key=lambda d: d.name.casefold())


def with_checked_attributes(
    dependencies: Dependencies, profile: CustomerProfile, *, changed: set[str] | None = None, creating: bool
) -> CustomerProfile:
    """The profile with its attribute values as stored, or a 422 naming each bad `attributes.<name>`.

    Definitions are read only when the customer has values or a definition could require one."""
    values = {name: value for name, value in profile.attributes.items() if value is not None}
    if not values and not creating:
        return profile
    definitions = dependencies.attribute_definitions.all()
    if not values and not any(d.required and not d.retired for d in definitions.values()):
        return profile.model_copy(update={"attributes": {}})
    stored, errors = check_attributes(values, definitions, changed=changed, creating=creating)
    too_big = size_error(stored)
    if too_big is not None:
        errors.append(too_big)
    if errors:
        raise ValidationFailed(errors)
    return profile.model_copy(update={"attributes": stored})

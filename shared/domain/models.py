"""How the API's pydantic models are declared: camelCase on the wire, unknown fields refused, and
an Update model derived from its base so a field is declared once (as in the FastAPI full-stack
template's `Base -> Create / Update / Public` families)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """A body clients send or receive: snake_case in Python, camelCase in JSON."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=to_camel)


def all_optional(base: type[BaseModel], name: str) -> type[BaseModel]:
    """`base` with every field optional and None by default, each keeping its type's rules:
    the body of a partial update, where only the fields sent change."""
    fields: dict[str, Any] = {}
    for field_name, info in base.model_fields.items():
        # pydantic keeps a field's constraints and validators apart from its type: they go back on
        # the type itself, so None stays a plain "not sent" that no rule or validator sees.
        kept: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        fields[field_name] = (kept | None, Field(default=None))
    return create_model(name, __base__=ApiModel, __module__=base.__module__, **fields)

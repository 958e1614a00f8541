"""One declaration per HTTP route: who may call it, what it takes and what it answers.

The wrapper enforces the caller rule and turns domain errors into problem+json; `functions/openapi.py`
reads the same declaration to describe the route, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types
import azure.functions as func
from pydantic import BaseModel, Field

from functions.http_api import path_of, problem_for, problem_response
from shared.bootstrap import AppDependencies
from shared.domain.errors import DomainError, FieldError, ValidationFailed, parse_choice
from shared.domain.roles import Actor, Role
from shared.services.access import require_any_key, require_channel_access, require_role
from shared.services.access_log import Accessor, accessing
from shared.services.audit import record_admin_change
from shared.services.dependencies import Dependencies
from shared.telemetry import invocation

logger = logging.getLogger(__name__)

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")

# anyone: no key; admin: the admin key; channel: a key of the route's channel; channel-or-admin: either.
Caller = Literal["anyone", "admin", "channel", "channel-or-admin", "any-key"]
OPERATION_ATTRIBUTE = "operation"


@dataclass(frozen=True)
class Answer:
    """A success answer: its body model (None: no body, or one not described by a model)."""

    model: type[BaseModel] | None
    description: str = "OK"


@dataclass(frozen=True)
class Parameter:
    """A query or header parameter; `type_` is any type pydantic can describe (Annotated allowed).

    A query parameter is declared once: OpenAPI describes this declaration, and `Call.query` parses
    and checks the value against it (a whole number in ASCII digits within its bounds, one of an
    enumeration's values, or text), so what is documented is what is enforced."""

    name: str
    location: Literal["query", "header"]
    type_: Any = str
    required: bool = False
    default: Any = None

    @classmethod
    def whole_number(cls, name: str, *, high: int, default: int, low: int = 1) -> Parameter:
        """A query number from `low` to `high`, `default` when it is not sent."""
        return cls(name, "query", Annotated[int, Field(ge=low, le=high)], default=default)

    def parse(self, raw: str | None) -> Any:
        if raw is None:
            return self.default
        base, metadata = _unwrapped(self.type_)
        if base is bool:
            if raw not in ("true", "false"):
                raise ValidationFailed([FieldError(self.name, "must be true or false")])
            return raw == "true"
        if base is int:
            return _whole_number(self.name, raw, metadata)
        if isinstance(base, type) and issubclass(base, StrEnum):
            return parse_choice(self.name, raw, base)
        return raw


@dataclass(frozen=True)
class Operation:
    """A route's one declaration; its function name is the operation id in snake case."""

    operation_id: str
    summary: str
    caller: Caller
    answers: Mapping[int, Answer]
    problems: tuple[int, ...] = ()
    body: type[BaseModel] | None = None
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    # The app role a person needs (the admin key holds every one): required of every route ops call.
    role: Role | None = None
    # An admin change: recorded in the audit log under this action, with who made it.
    audit: str | None = None


@dataclass(frozen=True)
class Call:
    """What a route handler works with: the request, the dependencies, and the route's channel
    once the caller has proven it may use it."""

    request: func.HttpRequest
    dependencies: Dependencies
    channel_id: str | None
    operation: Operation | None = None
    actor: Actor | None = None  # who calls an admin route: a person, or the admin key holder

    @property
    def channel(self) -> str:
        assert self.channel_id is not None, "only channel routes have a channel"
        return self.channel_id

    def route(self, name: str) -> str:
        return str(self.request.route_params[name])

    def page(self) -> dict[str, Any]:
        """`limit` and `cursor` of a paged list, as its route declares them (`paging`)."""
        return {"limit": self.query("limit"), "cursor": self.query("cursor")}

    def query(self, name: str) -> Any:
        """The query value as the route declares it: parsed and checked, or its default."""
        assert self.operation is not None, "a handler is called with its route's declaration"
        declared = {p.name: p for p in self.operation.parameters if p.location == "query"}
        return declared[name].parse(self.request.params.get(name))


Handler = Callable[[Call], func.HttpResponse]
HttpFunction = Callable[[func.HttpRequest, func.Context], func.HttpResponse]


def endpoint(app: AppDependencies, operation: Operation) -> Callable[[Handler], HttpFunction]:
    """Make `handler` an HTTP function: check the caller, run it, render any error as problem+json."""

    def wrap(handler: Handler) -> HttpFunction:
        def run(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
            with invocation(context.invocation_id):
                return answer(req)

        def answer(req: func.HttpRequest) -> func.HttpResponse:
            try:
                dependencies = app()
                channel_id, actor, accessor = _check_caller(dependencies, operation, req)
                with accessing(accessor):
                    response = handler(Call(req, dependencies, channel_id, operation, actor))
                if operation.audit and actor is not None and response.status_code < 400:
                    record_admin_change(
                        dependencies,
                        actor=actor.actor_id,
                        action=operation.audit,
                        target=_target(req, response),
                    )
                return response
            except DomainError as error:
                return problem_for(error, path_of(req))
            except Exception:
                logger.exception("Unexpected error in %s", handler.__name__)
                return problem_response(
                    status=500,
                    code="internal-error",
                    title="Internal error",
                    detail="The request failed unexpectedly; nothing was changed that you can't retry.",
                    instance=path_of(req),
                )

        # Not functools.wraps: the worker reads the signature, and it must be `run`'s, not the handler's.
        # The function's name (the host's, the logs') is the operation's, so a route is named once.
        run.__name__ = run.__qualname__ = function_name_of(operation)
        run.__doc__ = handler.__doc__
        setattr(run, OPERATION_ATTRIBUTE, operation)
        return run

    return wrap


def paging(*, high: int, default: int) -> tuple[Parameter, Parameter]:
    """A paged list's parameters: `limit` from 1 to `high`, and the opaque `cursor` it gave out."""
    return Parameter.whole_number("limit", high=high, default=default), Parameter("cursor", "query")


def function_name_of(operation: Operation) -> str:
    """`listDuplicates` -> `list_duplicates`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation.operation_id).lower()


def _unwrapped(kind: Any) -> tuple[Any, list[Any]]:
    """`Annotated[int, Field(ge=1, le=50)]` -> (int, [Ge(1), Le(50)])."""
    if get_origin(kind) is not Annotated:
        return kind, []
    base, *extras = get_args(kind)
    metadata: list[Any] = []
    for extra in extras:
        metadata += getattr(extra, "metadata", [extra])
    return base, metadata


def _whole_number(name: str, raw: str, metadata: list[Any]) -> int:
    if not WHOLE_NUMBER.fullmatch(raw):  # `int()` would also read Devanagari digits
        raise ValidationFailed([FieldError(name, "must be a whole number written in digits 0-9")])
    value = int(raw)
    low: Any = next((bound.ge for bound in metadata if isinstance(bound, annotated_types.Ge)), None)
    high: Any = next((bound.le for bound in metadata if isinstance(bound, annotated_types.Le)), None)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValidationFailed([FieldError(name, f"must be between {low} and {high}")])
    return value


def operation_of(function: Callable[..., Any]) -> Operation | None:
    found = getattr(function, OPERATION_ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def _check_caller(
    dependencies: Dependencies, operation: Operation, req: func.HttpRequest
) -> tuple[str | None, Actor | None, Accessor | None]:
    """The one place a route's caller is checked; answers the route's channel id when it has one,
    who calls when it is ops, and which channel key when it is a till or a checkout."""
    authorization = req.headers.get("Authorization")
    caller, role = operation.caller, operation.role
    actor: Actor | None = None
    if caller == "admin":
        assert role is not None, "an admin route names the role it needs"
        actor = require_role(dependencies, authorization=authorization, role=role)
    if caller == "any-key":
        assert role is not None, "an any-key route names the role a person needs"
        actor = require_any_key(dependencies, authorization=authorization, role=role)
    channel_id = req.route_params.get("channelId")
    accessor: Accessor | None = None
    if caller in ("channel", "channel-or-admin"):
        assert channel_id is not None, "a channel route has {channelId}"
        admitted = require_channel_access(
            dependencies,
            authorization=authorization,
            channel_id=channel_id,
            admin_role=role if caller == "channel-or-admin" else None,
        )
        if isinstance(admitted, Actor):
            actor = admitted
        else:
            accessor = Accessor(channel_id, admitted)
    return (str(channel_id) if channel_id is not None else None), actor, accessor


def _target(req: func.HttpRequest, response: func.HttpResponse) -> str:
    """What an admin change was made to: its path below /api (ids only), and the id of what it made."""
    target = path_of(req).removeprefix("/api/")
    made = _made_id(response)
    return f"{target}/{made}" if made else target


# The id a change answers for what it made: a key or a webhook (201), a privacy request (202).
MADE_IDS = {201: ("keyId", "webhookId"), 202: ("requestId",)}


def _made_id(response: func.HttpResponse) -> str | None:
    names = MADE_IDS.get(response.status_code, ())
    if not names:
        return None
    try:
        body = json.loads(response.get_body() or b"{}")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    made = next((body[name] for name in names if body.get(name)), None)
    return str(made) if made else None

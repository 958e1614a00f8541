"""One declaration per HTTP route: who may call it, what it takes and what it answers.

The wrapper enforces the caller rule and turns domain errors into problem+json; `functions/openapi.py`
reads the same declaration to describe the route, so the document cannot drift from the code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import azure.functions as func
from pydantic import BaseModel

from functions.http_api import path_of, problem_for, problem_response
from shared.bootstrap import AppDependencies
from shared.domain.errors import DomainError
from shared.services.access import require_admin, require_any_key, require_channel_access
from shared.services.dependencies import Dependencies
from shared.telemetry import invocation

logger = logging.getLogger(__name__)

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
    """A query or header parameter; `type_` is any type pydantic can describe (Annotated allowed)."""

    name: str
    location: Literal["query", "header"]
    type_: Any = str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    caller: Caller
    answers: Mapping[int, Answer]
    problems: tuple[int, ...] = ()
    body: type[BaseModel] | None = None
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Call:
    """What a route handler works with: the request, the dependencies, and the route's channel
    once the caller has proven it may use it."""

    request: func.HttpRequest
    dependencies: Dependencies
    channel_id: str | None

    @property
    def channel(self) -> str:
        assert self.channel_id is not None, "only channel routes have a channel"
        return self.channel_id

    def route(self, name: str) -> str:
        return str(self.request.route_params[name])


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
                return handler(Call(req, dependencies, _check_caller(dependencies, operation.caller, req)))
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
        run.__name__, run.__qualname__, run.__doc__ = handler.__name__, handler.__qualname__, handler.__doc__
        setattr(run, OPERATION_ATTRIBUTE, operation)
        return run

    return wrap


def operation_of(function: Callable[..., Any]) -> Operation | None:
    found = getattr(function, OPERATION_ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None


def _check_caller(dependencies: Dependencies, caller: Caller, req: func.HttpRequest) -> str | None:
    """The one place a route's caller is checked; answers the route's channel id when it has one."""
    authorization = req.headers.get("Authorization")
    if caller == "admin":
        require_admin(dependencies, authorization=authorization)
    if caller == "any-key":
        require_any_key(dependencies, authorization=authorization)
    channel_id = req.route_params.get("channelId")
    if caller in ("channel", "channel-or-admin"):
        assert channel_id is not None, "a channel route has {channelId}"
        require_channel_access(
            dependencies,
            authorization=authorization,
            channel_id=channel_id,
            admin_allowed=caller == "channel-or-admin",
        )
    return str(channel_id) if channel_id is not None else None

"""Index the app through azure.functions' own API and validate it like the Python worker."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import azure.functions as func
from azure.functions import _abc as functions_abc
from azure.functions.decorators.function_app import FunctionRegister

from devhost.errors import HostStartupError

HTTP_TRIGGER = "httpTrigger"
QUEUE_TRIGGER = "queueTrigger"
TIMER_TRIGGER = "timerTrigger"
SUPPORTED_TRIGGERS = (HTTP_TRIGGER, QUEUE_TRIGGER, TIMER_TRIGGER)
SUPPORTED_OUTPUTS = ("http", "queue")
RETURN = "$return"
CONTEXT_PARAMETER = "context"

_TRIGGER_PARAMETER_TYPES: dict[str, type] = {
    HTTP_TRIGGER: func.HttpRequest,
    QUEUE_TRIGGER: func.QueueMessage,
    TIMER_TRIGGER: func.TimerRequest,
}


@dataclass(frozen=True)
class BindingSpec:
    """One binding as the decorators describe it (function.json shape)."""

    name: str
    type: str
    direction: str
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def is_output(self) -> bool:
        return self.direction in ("out", "inout")


@dataclass(frozen=True)
class FunctionSpec:
    """What the host needs to trigger and invoke one function."""

    name: str
    user_function: Callable[..., Any]
    trigger: BindingSpec
    output_bindings: tuple[BindingSpec, ...]
    wants_context: bool
    is_async: bool

    @property
    def return_binding(self) -> BindingSpec | None:
        return next((b for b in self.output_bindings if b.name == RETURN), None)

    @property
    def out_parameters(self) -> tuple[BindingSpec, ...]:
        return tuple(b for b in self.output_bindings if b.name != RETURN)


def index_app(app: FunctionRegister) -> list[FunctionSpec]:
    """Return one spec per function, or raise HostStartupError listing every problem found."""
    # get_functions() remembers the names it returned for its duplicate check, so calling it
    # again on the same app object (a second host, or a test) would report every function as a
    # duplicate. Index from a clean slate and leave the app as we found it.
    remembered = app.functions_bindings
    app.functions_bindings = None
    try:
        functions = app.get_functions()
    except ValueError as error:
        raise HostStartupError(f"Indexing the app failed: {error}") from error
    finally:
        app.functions_bindings = remembered

    problems: list[str] = []
    specs: list[FunctionSpec] = []
    seen: set[str] = set()
    for function in functions:
        name = function.get_function_name() or function.get_user_function().__name__
        if name in seen:
            problems.append(f"Function '{name}': the name is used by more than one function")
        seen.add(name)
        spec, function_problems = _index_function(name, function)
        problems.extend(function_problems)
        if spec is not None:
            specs.append(spec)
    if problems:
        raise HostStartupError("The app cannot be indexed:\n  - " + "\n  - ".join(problems))
    return specs


def _index_function(name: str, function: Any) -> tuple[FunctionSpec | None, list[str]]:
    where = f"Function '{name}'"
    trigger_object = function.get_trigger()
    if trigger_object is None:
        return None, [f"{where}: has no trigger"]
    trigger = _binding_spec(trigger_object.get_dict_repr())
    bindings = [_binding_spec(b.get_dict_repr()) for b in function.get_bindings()]
    user_function = function.get_user_function()

    problems = _check_binding_kinds(where, trigger, bindings)
    problems += _check_parameters(where, user_function, trigger, bindings)
    problems += _check_return_annotation(where, user_function, bindings)
    if problems:
        return None, problems

    parameters = inspect.signature(user_function).parameters
    return (
        FunctionSpec(
            name=name,
            user_function=user_function,
            trigger=trigger,
            output_bindings=tuple(b for b in bindings if b.is_output),
            wants_context=CONTEXT_PARAMETER in parameters
            and CONTEXT_PARAMETER not in {b.name for b in bindings},
            is_async=inspect.iscoroutinefunction(user_function),
        ),
        [],
    )


def _binding_spec(raw: dict[str, Any]) -> BindingSpec:
    properties = {key: _plain(value) for key, value in raw.items()}
    return BindingSpec(
        name=str(properties.get("name", "")),
        type=str(properties.get("type", "")),
        direction=str(properties.get("direction", "in")).lower(),
        properties=properties,
    )


def _plain(value: Any) -> Any:
    """The decorators use enums (direction, methods, authLevel); the host sees their names."""
    if isinstance(value, Enum):
        return value.name.lower() if isinstance(value.value, int) else value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _check_binding_kinds(where: str, trigger: BindingSpec, bindings: list[BindingSpec]) -> list[str]:
    problems = []
    if trigger.type not in SUPPORTED_TRIGGERS:
        problems.append(
            f"{where}: trigger '{trigger.type}' is not supported by the local host "
            f"(supported: {', '.join(SUPPORTED_TRIGGERS)})"
        )
    names = [b.name for b in bindings]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{where}: more than one binding is named '{duplicate}'")
    for binding in bindings:
        if binding is trigger or binding.name == trigger.name:
            continue
        if not binding.is_output:
            problems.append(
                f"{where}: input binding '{binding.name}' of type '{binding.type}' is not "
                "supported by the local host"
            )
        elif binding.type not in SUPPORTED_OUTPUTS:
            problems.append(
                f"{where}: output binding '{binding.name}' of type '{binding.type}' is not "
                f"supported by the local host (supported: {', '.join(SUPPORTED_OUTPUTS)})"
            )
        elif binding.type == "http" and trigger.type != HTTP_TRIGGER:
            problems.append(f"{where}: an 'http' output needs an HTTP trigger")
    return_bindings = [b for b in bindings if b.name == RETURN]
    if any(not b.is_output for b in return_bindings):
        problems.append(f"{where}: the '{RETURN}' binding must be an output binding")
    return problems


def _check_parameters(
    where: str, user_function: Callable[..., Any], trigger: BindingSpec, bindings: list[BindingSpec]
) -> list[str]:
    """The worker's rules: parameters and bindings pair up one to one; outputs are func.Out."""
    parameters = inspect.signature(user_function).parameters
    annotations = _annotations(user_function)
    bound = {b.name: b for b in bindings if b.name != RETURN}
    problems = []

    unbound = [p for p in parameters if p not in bound and p != CONTEXT_PARAMETER]
    if unbound:
        problems.append(
            f"{where}: parameter(s) {', '.join(repr(p) for p in unbound)} are declared in Python "
            "but not bound by any binding (binding names must equal parameter names)"
        )
    missing = [name for name in bound if name not in parameters]
    if missing:
        problems.append(
            f"{where}: binding(s) {', '.join(repr(m) for m in missing)} have no Python "
            "parameter of the same name"
        )

    for name, binding in bound.items():
        if name not in parameters:
            continue
        annotation = annotations.get(name, inspect.Parameter.empty)
        is_out = _is_out_annotation(annotation)
        if binding.is_output and not is_out:
            problems.append(
                f"{where}: parameter '{name}' is bound to an output binding and must be "
                "annotated as azure.functions.Out[...]"
            )
        elif not binding.is_output and is_out:
            problems.append(
                f"{where}: parameter '{name}' is annotated as azure.functions.Out but its binding is an input"
            )
        elif name == trigger.name:
            problems += _check_trigger_annotation(where, trigger, name, annotation)
    return problems


def _check_return_annotation(
    where: str, user_function: Callable[..., Any], bindings: list[BindingSpec]
) -> list[str]:
    """The worker's check of `-> ...` on a function with a `$return` binding; one bad annotation
    keeps the whole app from loading. Without a `$return` binding the annotation is not read."""
    returned = next((b for b in bindings if b.name == RETURN), None)
    annotations = _annotations(user_function)
    if returned is None or "return" not in annotations:
        return []
    annotation = annotations["return"]
    if _is_out_annotation(annotation):
        return [f"{where}: return annotation should not be azure.functions.Out"]
    if not inspect.isclass(annotation):
        return [f"{where}: has invalid non-type return annotation {annotation!r}"]
    if returned.type == "http" and not issubclass(annotation, functions_abc.HttpResponse | str):
        return [
            f'{where}: Python return annotation "{annotation.__name__}" does not match binding type "http"'
        ]
    return []


def _annotations(user_function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(user_function)
    except Exception:
        return dict(getattr(user_function, "__annotations__", {}))


def _is_out_annotation(annotation: Any) -> bool:
    if isinstance(annotation, str):  # an annotation get_type_hints could not resolve
        return annotation.split("[")[0].split(".")[-1] == "Out"
    origin = typing.get_origin(annotation) or annotation
    return inspect.isclass(origin) and issubclass(origin, func.Out)


def _check_trigger_annotation(where: str, trigger: BindingSpec, name: str, annotation: Any) -> list[str]:
    expected = _TRIGGER_PARAMETER_TYPES.get(trigger.type)
    if expected is None or annotation is inspect.Parameter.empty or isinstance(annotation, str):
        return []
    if inspect.isclass(annotation) and issubclass(expected, annotation):
        return []
    return [
        f"{where}: parameter '{name}' receives a {trigger.type} and must be annotated "
        f"azure.functions.{expected.__name__} (got {annotation!r})"
    ]

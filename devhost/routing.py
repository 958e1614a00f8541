"""HTTP route templates as the Functions host understands them (ASP.NET Core syntax).

Supported: literal segments, `{name}`, `{name?}`, `{name=default}`, `{name:constraint}` (int,
long, bool, alpha, guid, decimal, double, float, datetime, min, max, range, length, minlength,
maxlength, regex(...), required), and a trailing catch-all `{*rest}`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import unquote

from devhost.errors import HostStartupError

Target = TypeVar("Target")

_PARAMETER = re.compile(r"\{([^{}]+)\}")

# ASP.NET's inbound precedence digits: lower is more specific and wins.
LITERAL, COMPLEX, CONSTRAINED, PARAMETER, CATCH_ALL = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class _Parameter:
    name: str
    optional: bool
    catch_all: bool
    default: str | None
    checks: tuple[Callable[[str], bool], ...]


class RouteTemplate:
    """One route template, compiled to a regular expression plus per-value constraint checks."""

    def __init__(self, template: str) -> None:
        self.template = template.strip("/")
        self._parameters: dict[str, _Parameter] = {}
        pattern, precedence = self._compile(self.template)
        self._regex = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        self.precedence: tuple[int, ...] = precedence

    def _compile(self, template: str) -> tuple[str, tuple[int, ...]]:
        if not template:
            return "", ()
        segments = template.split("/")
        pieces: list[str] = []
        precedence: list[int] = []
        for index, segment in enumerate(segments):
            separator = "/" if index else ""
            whole = _PARAMETER.fullmatch(segment)
            if whole:
                parameter = self._add_parameter(whole.group(1), last=index == len(segments) - 1)
                value = ".*" if parameter.catch_all else "[^/]+"
                capture = f"(?P<{_group(parameter.name)}>{value})"
                if parameter.optional or parameter.catch_all:
                    pieces.append(f"(?:{separator}{capture})?")
                else:
                    pieces.append(separator + capture)
                precedence.append(_segment_rank(parameter))
            elif "{" in segment or "}" in segment:
                pieces.append(separator + self._compile_complex(segment))
                precedence.append(COMPLEX)
            else:
                pieces.append(separator + re.escape(segment))
                precedence.append(LITERAL)
        return "".join(pieces), tuple(precedence)

    def _compile_complex(self, segment: str) -> str:
        """A segment mixing literals and parameters, such as `{file}.{ext}`."""
        pattern, position = "", 0
        for match in _PARAMETER.finditer(segment):
            literal = segment[position : match.start()]
            if "{" in literal or "}" in literal:
                raise HostStartupError(f"Route '{self.template}': unbalanced braces in '{segment}'")
            pattern += re.escape(literal)
            parameter = self._add_parameter(match.group(1), last=False)
            if parameter.optional or parameter.catch_all:
                raise HostStartupError(
                    f"Route '{self.template}': '{segment}' may not hold optional or catch-all parameters"
                )
            pattern += f"(?P<{_group(parameter.name)}>[^/]+?)"
            position = match.end()
        tail = segment[position:]
        if "{" in tail or "}" in tail:
            raise HostStartupError(f"Route '{self.template}': unbalanced braces in '{segment}'")
        return pattern + re.escape(tail)

    def _add_parameter(self, text: str, *, last: bool) -> _Parameter:
        parameter = _parse_parameter(self.template, text)
        if parameter.catch_all and not last:
            raise HostStartupError(
                f"Route '{self.template}': catch-all '{{*{parameter.name}}}' must be the last segment"
            )
        if parameter.name.lower() in (p.lower() for p in self._parameters):
            raise HostStartupError(f"Route '{self.template}': parameter '{parameter.name}' appears twice")
        self._parameters[parameter.name] = parameter
        return parameter

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self._parameters)

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for a request path (without the leading slash), or None."""
        found = self._regex.fullmatch(path.strip("/"))
        if found is None:
            return None
        values: dict[str, str] = {}
        for name, parameter in self._parameters.items():
            value = found.group(_group(name))
            if value is None or value == "":
                if parameter.default is not None:
                    values[name] = parameter.default
                continue
            if not all(check(value) for check in parameter.checks):
                return None
            values[name] = value
        return values


def _group(name: str) -> str:
    """Regex group names must be identifiers; route parameter names need not be."""
    return "p_" + "".join(ch if ch.isalnum() else f"_{ord(ch)}_" for ch in name)


def _segment_rank(parameter: _Parameter) -> int:
    if parameter.catch_all:
        return CATCH_ALL
    return CONSTRAINED if parameter.checks else PARAMETER


def _parse_parameter(template: str, text: str) -> _Parameter:
    catch_all = text.startswith("*")
    text = text.lstrip("*")
    default: str | None = None
    if "=" in text:
        text, default = text.split("=", 1)
    optional = text.endswith("?")
    text = text.rstrip("?")
    name, *constraints = _split_constraints(text)
    if not name or not re.fullmatch(r"[^{}/?*=:]+", name):
        raise HostStartupError(f"Route '{template}': invalid parameter '{{{text}}}'")
    checks = tuple(_constraint_check(template, name, c) for c in constraints)
    return _Parameter(name, optional or default is not None, catch_all, default, checks)


def _split_constraints(text: str) -> list[str]:
    """Split `name:int:min(1)` on colons that are not inside a constraint's parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == ":" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        current += ch
    parts.append(current)
    return parts


def _constraint_check(template: str, name: str, constraint: str) -> Callable[[str], bool]:
    kind, _, argument = constraint.partition("(")
    kind = kind.strip().lower()
    argument = argument[:-1] if argument.endswith(")") else argument
    numbers = [int(a) for a in argument.split(",")] if argument and kind != "regex" else []

    simple: dict[str, Callable[[str], bool]] = {
        "int": lambda v: _is_integer(v, 32),
        "long": lambda v: _is_integer(v, 64),
        "bool": lambda v: v.lower() in ("true", "false"),
        "alpha": lambda v: re.fullmatch(r"[A-Za-z]+", v) is not None,
        "guid": _is_guid,
        "decimal": _is_number,
        "double": _is_number,
        "float": _is_number,
        "datetime": lambda v: bool(v),
        "required": lambda v: bool(v),
    }
    if kind in simple and not argument:
        return simple[kind]
    if kind == "regex" and argument:
        expression = re.compile(argument, re.IGNORECASE)
        return lambda v: expression.search(v) is not None
    if kind in ("min", "max", "minlength", "maxlength", "length", "range") and numbers:
        return _bounds_check(kind, numbers)
    raise HostStartupError(f"Route '{template}': unknown constraint '{constraint}' on '{name}'")


def _bounds_check(kind: str, numbers: list[int]) -> Callable[[str], bool]:
    low, high = numbers[0], numbers[-1]
    if kind == "min":
        return lambda v: _is_integer(v, 64) and int(v) >= low
    if kind == "max":
        return lambda v: _is_integer(v, 64) and int(v) <= high
    if kind == "range":
        return lambda v: _is_integer(v, 64) and low <= int(v) <= high
    if kind == "minlength":
        return lambda v: len(v) >= low
    if kind == "maxlength":
        return lambda v: len(v) <= high
    return lambda v: low <= len(v) <= high  # length(n) or length(min,max)


def _is_integer(value: str, bits: int) -> bool:
    if re.fullmatch(r"[+-]?\d+", value) is None:
        return False
    limit = 1 << (bits - 1)
    return -limit <= int(value) < limit


def _is_number(value: str) -> bool:
    return re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", value) is not None


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class RouteMatch(Generic[Target]):
    target: Target
    route_params: dict[str, str]


@dataclass(frozen=True)
class RouteMiss:
    """No route took the request; `allowed_methods` is non-empty when only the method was wrong."""

    allowed_methods: tuple[str, ...]


@dataclass(frozen=True)
class _Route(Generic[Target]):
    template: RouteTemplate
    methods: frozenset[str] | None
    target: Target
    order: int

    def allows(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods


class RouteTable(Generic[Target]):
    """Chooses the function for a request: path first, then method, then the most specific."""

    def __init__(self) -> None:
        self._routes: list[_Route[Target]] = []

    def add(self, template: str, methods: Iterable[str] | None, target: Target) -> RouteTemplate:
        compiled = RouteTemplate(template)
        allowed = frozenset(m.upper() for m in methods) if methods else None
        self._routes.append(_Route(compiled, allowed, target, len(self._routes)))
        return compiled

    def resolve(self, method: str, raw_path: str) -> RouteMatch[Target] | RouteMiss:
        path = decode_path(raw_path)
        candidates = [
            (route, values) for route in self._routes if (values := route.template.match(path)) is not None
        ]
        if not candidates:
            return RouteMiss(())
        allowed = [(route, values) for route, values in candidates if route.allows(method)]
        if not allowed:
            methods = sorted({m for route, _ in candidates for m in route.methods or ()})
            return RouteMiss(tuple(methods))
        route, values = min(allowed, key=lambda c: (c[0].template.precedence, c[0].order))
        return RouteMatch(route.target, values)


def decode_path(raw_path: str) -> str:
    """Percent-decode a request path but keep an encoded slash from splitting a segment."""
    protected = re.sub("%2f", "%252F", raw_path, flags=re.IGNORECASE)
    return unquote(protected).strip("/")

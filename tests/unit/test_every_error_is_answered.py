"""Every business error lives in one module and has its own HTTP answer: none falls through to the
catch-all 400."""

from __future__ import annotations

import importlib
import pkgutil

import functions
import shared
from functions.http_api import ANSWERS
from shared.domain.errors import DomainError


def every_error() -> list[type[DomainError]]:
    for package in (shared, functions):
        for module in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            importlib.import_module(module.name)
    found: list[type[DomainError]] = []
    waiting = [DomainError]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            found.append(subclass)
            waiting.append(subclass)
    return found


def test_every_domain_error_is_declared_in_the_errors_module() -> None:
    strays = [kind.__qualname__ for kind in every_error() if kind.__module__ != "shared.domain.errors"]
    assert strays == []


def test_every_domain_error_has_an_http_answer_of_its_own() -> None:
    unanswered = [
        kind.__qualname__ for kind in every_error() if not any(step in ANSWERS for step in kind.__mro__)
    ]
    assert unanswered == []


def test_every_domain_error_has_a_code_of_its_own() -> None:
    codes = [kind.code for kind in every_error()]
    assert len(codes) == len(set(codes)), sorted(codes)

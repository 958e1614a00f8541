"""Import the app module and find its FunctionApp, the way the Python worker indexes it."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import azure.functions as func
from azure.functions.decorators.function_app import FunctionRegister

from devhost.errors import HostStartupError


def module_path(script_root: Path, app_module: str) -> Path:
    """`function_app` in /app is /app/function_app.py; dotted names map to folders."""
    return script_root.joinpath(*app_module.split(".")).with_suffix(".py")


def load_app_module(script_root: Path, app_module: str) -> ModuleType:
    """Import script_root's app module without letting it shadow a same-named module elsewhere.

    Apps are conventionally all called `function_app`. The module is registered under its plain
    name only when a normal `import` would find this very file anyway; otherwise it gets a
    private name, so hosting a second app in one process never changes what `import
    function_app` returns.
    """
    path = module_path(script_root, app_module).resolve()
    if not path.is_file():
        raise HostStartupError(f"App module '{app_module}' not found: {path} does not exist")

    plain_name_is_ours = _import_would_find(app_module, path)
    _ensure_on_sys_path(script_root)
    name = app_module if plain_name_is_ours else _private_name(app_module, path)

    loaded = sys.modules.get(name)
    if loaded is not None and _file_of(loaded) == path:
        return loaded
    return _execute(name, path)


def _import_would_find(name: str, path: Path) -> bool:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None and Path(spec.origin).resolve() == path


def _ensure_on_sys_path(script_root: Path) -> None:
    """The worker puts the script root on sys.path so the app's own packages import."""
    root = str(script_root.resolve())
    if root not in sys.path:
        sys.path.append(root)


def _private_name(app_module: str, path: Path) -> str:
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    return f"_devhost_app_{digest}_{app_module.replace('.', '_')}"


def _file_of(module: ModuleType) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _execute(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HostStartupError(f"Cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise HostStartupError(f"Importing {path} failed: {error!r}") from error
    return module


def find_function_app(module: ModuleType) -> FunctionRegister:
    """Return the module's single FunctionApp; the worker refuses zero or several."""
    apps: dict[int, FunctionRegister] = {}
    for value in vars(module).values():
        if isinstance(value, FunctionRegister):
            apps[id(value)] = value
    if not apps:
        raise HostStartupError(
            f"{module.__file__} defines no {func.FunctionApp.__name__} instance "
            "(expected e.g. `app = func.FunctionApp()`)"
        )
    if len(apps) > 1:
        raise HostStartupError(
            f"{module.__file__} defines {len(apps)} FunctionApp instances; exactly one is allowed"
        )
    return next(iter(apps.values()))

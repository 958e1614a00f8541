"""The publish package: what `func azure functionapp publish` uploads, and that it runs on its own.

The package is built as a publish builds it, every project file minus what .funcignore excludes,
then installed into a fresh virtual environment from its own requirements.txt and imported there as
the Python worker imports it. That shows what the development environment hides: an import of a
development-only module, a dependency missing from requirements.txt, a .funcignore that ships or
drops the wrong files. Needs no storage; needs PyPI (pip's cache makes reruns quick).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pathspec
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

PACKAGE_TOP_LEVEL = {"function_app.py", "host.json", "requirements.txt", "functions", "shared"}
NEVER_PACKAGED = {
    "tests",
    "devhost",
    "bench",
    "infra",
    "node_modules",
    ".venv",
    "local.settings.json",
    "Makefile",
}

# Present in a developer's working tree but never in a clone, so git does not list them.
WORKING_TREE_ONLY = (
    "local.settings.json",
    ".venv/pyvenv.cfg",
    ".venv/bin/python",
    ".venv-infra/bin/checkov",
    ".python_packages/lib/site-packages/six.py",
    "node_modules/.bin/azurite",
    "node_modules/azurite/package.json",
    "__pycache__/function_app.cpython-311.pyc",
    "shared/__pycache__/settings.cpython-311.pyc",
    "shared/domain/__pycache__/customer.cpython-311.pyc",
    ".pytest_cache/v/cache/nodeids",
    ".mypy_cache/3.11/shared/settings.meta.json",
    ".hypothesis/examples/0a1b2c/3d4e5f",
    ".azurite/__azurite_db_table__.json",
    "bench/out/results.json",
)

DEVELOPMENT_ONLY_MODULES = {
    "devhost",
    "tests",
    "bench",
    "pytest",
    "_pytest",
    "croniter",
    "httpx",
    "hypothesis",
}

# Imports the app as the Python worker does (the app root on sys.path, function_app imported) and
# reports the registered functions and every top-level module the import brought in.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
import function_app
functions = []
for function in function_app.app.get_functions():
    bindings = json.loads(function.get_function_json())["bindings"]
    trigger = next(binding for binding in bindings if binding["type"].endswith("Trigger"))
    name, kind, auth_level = function.get_function_name(), trigger["type"], trigger.get("authLevel")
    functions.append({"name": name, "trigger": kind, "authLevel": auth_level})
modules = sorted({name.split(".")[0] for name in set(sys.modules) - before})
print(json.dumps({"functions": functions, "modules": modules}))
"""


def project_files() -> list[str]:
    """Every file of the project as a clean clone has it (tracked, or new and not git-ignored);
    without git, every file of the tree."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return sorted(_walk_tree(REPO_ROOT, funcignore()))
    return sorted(path for path in listed.split("\0") if path and (REPO_ROOT / path).is_file())


def _walk_tree(root: Path, spec: pathspec.GitIgnoreSpec) -> Iterator[str]:
    for directory, subdirectories, files in os.walk(root):
        relative = Path(directory).relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        # Excluded directories (.venv, node_modules, ...) are not worth walking.
        subdirectories[:] = [
            name for name in subdirectories if name != ".git" and not spec.match_file(f"{prefix}{name}/")
        ]
        yield from (f"{prefix}{name}" for name in files)


def funcignore() -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines((REPO_ROOT / ".funcignore").read_text().splitlines())


def packaged(paths: Iterable[str]) -> list[str]:
    spec = funcignore()
    return [path for path in paths if not spec.match_file(path)]


def core_tools_accepts(funcignore_text: str) -> Callable[[str], bool]:
    """Core Tools' own reading of .funcignore, ported from GitIgnoreParser.cs and
    FileSystemHelpers.GetLocalFiles (Azure/azure-functions-core-tools): patterns anchored at the
    root, `*` as one or more characters, a word boundary after the pattern, `!` lines winning,
    and .git, .vscode, .funcignore, .gitignore and local.settings.json always left out."""
    positive: list[str] = []
    negative: list[str] = []
    for raw in funcignore_text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        (negative if line.startswith("!") else positive).append(line.removeprefix("!").removeprefix("/"))

    def compile_patterns(patterns: list[str]) -> re.Pattern[str]:
        if not patterns:
            return re.compile("$^")
        alternatives = ")|(".join(
            re.sub(r"[\-\[\]/{}()+?.\\^$|]", lambda match: "\\" + match.group(0), pattern)
            .replace("**", "(.+)")
            .replace("*", "([^/]+)")
            for pattern in sorted(patterns)
        )
        return re.compile(f"^(({alternatives}))\\b", re.ASCII)

    denied, allowed = compile_patterns(positive), compile_patterns(negative)
    always_left_out_directories = {".git", ".vscode"}
    always_left_out_files = {".funcignore", ".gitignore", "local.settings.json", "project.lock.json"}

    def accepts(path: str) -> bool:
        *directories, name = path.split("/")
        if always_left_out_directories.intersection(directories) or name in always_left_out_files:
            return False
        return bool(allowed.match(path)) or not denied.match(path)

    return accepts


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files a publish uploads, copied into a directory of their own."""
    package = tmp_path_factory.mktemp("package")
    for path in packaged(project_files()):
        target = package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / path, target)
    return package


@pytest.fixture(scope="session")
def packaged_app(package_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The package's app imported in a fresh virtual environment that has only its requirements.txt
    installed. Each pytest-xdist worker builds its own environment."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", str(venv)], timeout=180, what="create a virtual environment")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    requirements = package_dir / "requirements.txt"
    install = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    run([*install, "-r", str(requirements)], timeout=900, what=f"install {requirements}")
    # A clean environment: nothing from this test run, and not "in Azure" (no WEBSITE_INSTANCE_ID).
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV", "WEBSITE_", "AzureWebJobs", "ADMIN_"))
    }
    probe = run(
        [str(python), "-I", "-B", "-c", PROBE, str(package_dir)],
        timeout=180,
        what="import function_app from the package",
        cwd=package_dir,
        env=environment,
    )
    result: dict[str, Any] = json.loads(probe.stdout.strip().splitlines()[-1])
    return result


def run(command: list[str], *, timeout: float, what: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """Runs a step of the package build; a failure fails the test (no network is a failure too)."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **options)
    if completed.returncode != 0:
        output = f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        pytest.fail(f"could not {what} (exit {completed.returncode}):\n{output}", pytrace=False)
    return completed


def declared_function_names() -> set[str]:
    """The function names the source declares, read from the decorators and the routes' operation
    ids (an HTTP function is named by its operation, in snake case) rather than a list here."""
    sources = [REPO_ROOT / "function_app.py", *sorted((REPO_ROOT / "functions").rglob("*.py"))]
    declaration = re.compile(r"""\bfunction_name\(\s*name\s*=\s*["']([^"']+)["']""")
    operation = re.compile(r"""\bOperation\(\s*["']([A-Za-z]+)["']""")
    names = {name for source in sources for name in declaration.findall(source.read_text())}
    operations = {found for source in sources for found in operation.findall(source.read_text())}
    return names | {re.sub(r"(?<!^)(?=[A-Z])", "_", found).lower() for found in operations}


def test_package_holds_the_app_and_nothing_else(package_dir: Path) -> None:
    top_level = {entry.name for entry in package_dir.iterdir()}
    assert top_level >= PACKAGE_TOP_LEVEL, f"missing from the package: {PACKAGE_TOP_LEVEL - top_level}"
    assert not top_level & NEVER_PACKAGED, f"shipped by mistake: {top_level & NEVER_PACKAGED}"
    assert top_level == PACKAGE_TOP_LEVEL, f"not excluded by .funcignore: {top_level - PACKAGE_TOP_LEVEL}"


def test_package_keeps_every_source_file_of_the_app(package_dir: Path) -> None:
    sources = [path for path in project_files() if path.split("/")[0] in PACKAGE_TOP_LEVEL]
    assert sources
    assert [path for path in sources if not (package_dir / path).is_file()] == []


def test_funcignore_leaves_out_local_state_of_a_working_tree() -> None:
    assert packaged(WORKING_TREE_ONLY) == []


def test_core_tools_reads_funcignore_as_git_does() -> None:
    """Core Tools, which does the upload, has a simpler matcher than git; .funcignore is written so
    both select the same files, and this keeps it so."""
    accepts = core_tools_accepts((REPO_ROOT / ".funcignore").read_text())
    candidates = [*project_files(), *WORKING_TREE_ONLY]
    by_git = set(packaged(candidates))
    by_core_tools = {path for path in candidates if accepts(path)}
    assert sorted(by_core_tools - by_git) == [], "Core Tools would also upload these"
    assert sorted(by_git - by_core_tools) == [], "Core Tools would leave these out"


def test_packaged_app_registers_every_declared_function(packaged_app: dict[str, Any]) -> None:
    declared = declared_function_names()
    assert declared, "no function_name(name=...) found in function_app.py or functions/"
    assert {function["name"] for function in packaged_app["functions"]} == declared


def test_packaged_app_imports_no_development_module(packaged_app: dict[str, Any]) -> None:
    assert set(packaged_app["modules"]) & DEVELOPMENT_ONLY_MODULES == set()


def test_every_http_function_is_anonymous_for_the_platform(packaged_app: dict[str, Any]) -> None:
    """The app's own admin and channel keys are the only keys; the platform must not ask for another."""
    http = [function for function in packaged_app["functions"] if function["trigger"] == "httpTrigger"]
    assert http
    not_anonymous = {
        function["name"]: function["authLevel"]
        for function in http
        if str(function["authLevel"]).upper() != "ANONYMOUS"
    }
    assert not_anonymous == {}

"""Checks the Bicep files without the Bicep CLI: every infra/*.bicep must parse, and
main.parameters.json must fit main.bicep.

A parameters file that names a parameter main.bicep lacks is refused by `az deployment group
create` only at deploy time, and a @secure() value written into the file would sit in git; both
are caught here, as are values of the wrong type or outside @allowed / @minValue / @maxValue /
@minLength / @maxLength. Run by `make infra-check` with the tools of infra/requirements-check.txt.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lark.exceptions import LarkError
from pycep import BicepParser
from pycep.typing import BicepJson

INFRA = Path(__file__).resolve().parent
MAIN_TEMPLATE = INFRA / "main.bicep"
PARAMETERS_FILE = INFRA / "main.parameters.json"
PARAMETERS_SCHEMA = "deploymentParameters.json"

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "securestring": (str,),
    "int": (int,),
    "bool": (bool,),
    "object": (dict,),
    "secureobject": (dict,),
    "array": (list,),
}


def parse_templates(paths: list[Path]) -> tuple[dict[Path, BicepJson], list[str]]:
    """Parses each file; a file that does not parse is reported with pycep's position and reason."""
    parser = BicepParser()
    parsed: dict[Path, BicepJson] = {}
    problems: list[str] = []
    for path in paths:
        try:
            parsed[path] = parser.parse(file_path=path)
        except (LarkError, ValueError) as error:
            reason = str(error).strip().splitlines()[0]
            problems.append(f"{path.relative_to(INFRA.parent)} does not parse: {reason}")
    return parsed, problems


def check_parameters_file(parameters_file: Path, declared: Mapping[str, Any]) -> list[str]:
    """Problems of a deploymentParameters file against the parameters main.bicep declares."""
    name = parameters_file.relative_to(INFRA.parent)
    try:
        document = json.loads(parameters_file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        return [f"{name} cannot be read as JSON: {error}"]
    problems = []
    if PARAMETERS_SCHEMA not in str(document.get("$schema", "")):
        problems.append(f"{name}: $schema is not the ARM {PARAMETERS_SCHEMA} schema")
    given = document.get("parameters")
    if not isinstance(given, dict):
        return [*problems, f"{name}: 'parameters' must be an object"]
    for parameter, entry in given.items():
        where = f"{name}: parameter '{parameter}'"
        if parameter not in declared:
            problems.append(f"{where} does not exist in {MAIN_TEMPLATE.name}")
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            problems.append(f"{where} must be an object with a 'value'")
            continue
        problems.extend(f"{where} {problem}" for problem in check_value(entry["value"], declared[parameter]))
    return problems


def check_value(value: Any, parameter: Mapping[str, Any]) -> list[str]:
    decorators = {decorator["type"]: decorator.get("argument") for decorator in parameter["decorators"]}
    if "secure" in decorators:
        return ["is @secure(): pass it on the command line, never in the file"]
    expected = JSON_TYPES.get(parameter["type"].lower())
    # bool is an int in Python; an int parameter must not accept true/false.
    if expected and (not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))):
        return [f"must be of type {parameter['type']}, got {json.dumps(value)}"]
    problems = []
    allowed = decorators.get("allowed")
    if allowed is not None and value not in allowed:
        problems.append(f"must be one of {allowed}, got {json.dumps(value)}")
    if "min_value" in decorators and value < decorators["min_value"]:
        problems.append(f"must be at least {decorators['min_value']}, got {value}")
    if "max_value" in decorators and value > decorators["max_value"]:
        problems.append(f"must be at most {decorators['max_value']}, got {value}")
    if "min_length" in decorators and len(value) < decorators["min_length"]:
        problems.append(f"must be at least {decorators['min_length']} long, got {json.dumps(value)}")
    if "max_length" in decorators and len(value) > decorators["max_length"]:
        problems.append(f"must be at most {decorators['max_length']} long, got {json.dumps(value)}")
    return problems


def main() -> int:
    templates = sorted(INFRA.glob("*.bicep"))
    parsed, problems = parse_templates(templates)
    if MAIN_TEMPLATE in parsed:
        problems += check_parameters_file(PARAMETERS_FILE, parsed[MAIN_TEMPLATE].get("parameters", {}))
    elif MAIN_TEMPLATE not in templates:
        problems.append(f"{MAIN_TEMPLATE.relative_to(INFRA.parent)} is missing")
    for problem in problems:
        print(f"infra-check: {problem}", file=sys.stderr)
    if problems:
        return 1
    names = ", ".join(path.name for path in templates)
    print(f"infra-check: {names} parse; {PARAMETERS_FILE.name} fits {MAIN_TEMPLATE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

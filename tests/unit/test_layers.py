"""Dependencies point one way: handlers -> services -> adapters, boto3 only in adapters, parsing
free of the index and of settings, the API's read path free of the write side."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "functions" / "newsingest"


def imports_of(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def test_only_adapters_import_boto3() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in modules()
        if path.parent.name != "adapters" and any(m.split(".")[0] in ("boto3", "botocore") for m in imports_of(path))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "forbidden", ["newsingest.indexing", "newsingest.settings", "newsingest.ingest", "newsingest.adapters"]
)
def test_parsing_and_entities_import_nothing_from_later_stages(forbidden: str) -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in [*modules("parsing"), *modules("entities")]
        if any(m == forbidden or m.startswith(forbidden + ".") for m in imports_of(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("module", ["limits.py", "singletons.py", "crashpoints.py"])
def test_shared_foundations_import_nothing_from_the_project(module: str) -> None:
    assert not [m for m in imports_of(PACKAGE / module) if m.startswith("newsingest")]


def test_the_api_read_path_does_not_load_the_write_side() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, newsingest.handlers.api; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PACKAGE.parent), "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""},
    ).stdout.split()
    assert "newsingest.handlers.api" in loaded
    assert [name for name in loaded if name in ("newsingest.indexing.service", "newsingest.ingest")] == []
    assert not [name for name in loaded if name.startswith(("newsingest.parsing", "newsingest.entities", "spacy"))]


def test_the_local_commands_leave_the_functions_logger_unbuilt_until_their_environment_is_set() -> None:
    # Powertools' Logger reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL when it is built, on
    # the first import of newsingest.observability: `local up` sets them first, as Lambda does.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, newsingest.cli, newsingest.local.up; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(PACKAGE.parent), "PATH": ""},
    ).stdout.split()
    assert "newsingest.local.up" in loaded
    assert [name for name in loaded if name.startswith(("newsingest.observability", "aws_lambda_powertools"))] == []


def test_the_functions_load_no_fault_layer_unless_told_to() -> None:
    # Given the functions' environment without NEWSINGEST_FAULT_RATE, as in Lambda
    code = (
        "import sys, newsingest.handlers.ingest, newsingest.handlers.indexer, newsingest.handlers.api\n"
        "from newsingest.adapters.aws import client\n"
        "[client(name) for name in ('s3', 'sqs', 'dynamodb')]\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    environment = {"PYTHONPATH": str(PACKAGE.parent), "AWS_DEFAULT_REGION": "us-east-1", "PATH": ""}
    # When the handlers are loaded and their clients made
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout.split()
    # Then the fault layer was never imported (and with the variable set, it is)
    assert "newsingest.adapters.aws" in loaded and "newsingest.adapters.faults" not in loaded
    with_faults = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=environment | {"NEWSINGEST_FAULT_RATE": "0.1"},
    ).stdout.split()
    assert "newsingest.adapters.faults" in with_faults

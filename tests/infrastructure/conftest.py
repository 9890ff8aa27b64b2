"""Shared by the infrastructure tests: the SAM translation of template.yaml, one `sam build` per session, a
stand-in for the Lambda runtime's own modules, and a report of measured numbers (build time, artifact sizes)
printed in pytest's terminal summary, so a plain `pytest -q` run shows them."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = REPO_ROOT / "template.yaml"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
SAM = REPO_ROOT / ".tools" / "sam" / "bin" / "sam"
SAM_TOOLS_PYTHON = REPO_ROOT / ".tools" / "sam" / "bin" / "python"
# What the python3.13 runtime has on sys.path after /var/task (top-level module or package names).
RUNTIME_PROVIDED_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")

_REPORT = pytest.StashKey[list[str]]()

# Parses the template, replaces local CodeUris by an S3 placeholder (as `sam validate` does: the translator
# only accepts S3 locations) and translates it; prints {"sam": parsed template, "cfn": translation}.
_TRANSLATE = """
import json, sys
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

with open(sys.argv[1], encoding="utf-8") as f:
    sam = json.loads(json.dumps(yaml_parse(f.read())))
original = json.loads(json.dumps(sam))
for resource in sam.get("Resources", {}).values():
    properties = resource.get("Properties", {})
    if resource.get("Type") == "AWS::Serverless::Function":
        if not str(properties.get("CodeUri", "")).startswith("s3://"):
            properties["CodeUri"] = "s3://bucket/value"
try:
    cfn = Translator(managed_policy_map={}, sam_parser=Parser()).translate(sam, parameter_values={})
except InvalidDocumentException as error:
    sys.exit("\\n".join(str(cause) for cause in error.causes))
json.dump({"sam": original, "cfn": cfn}, sys.stdout)
"""


@pytest.fixture(scope="session")
def infra_report(pytestconfig: pytest.Config) -> list[str]:
    """Lines to print at the end of the run."""
    return pytestconfig.stash.setdefault(_REPORT, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("infrastructure")
        for line in lines:
            terminalreporter.write_line(line)


def _translator_python() -> str | None:
    """An interpreter that has samtranslator: this one, else the SAM CLI's virtualenv (`make tools`)."""
    if importlib.util.find_spec("samtranslator") is not None:
        return sys.executable
    if SAM_TOOLS_PYTHON.exists():
        return str(SAM_TOOLS_PYTHON)
    return None


@pytest.fixture(scope="session")
def templates() -> dict[str, dict[str, Any]]:
    """{"sam": template.yaml parsed, "cfn": its translation by the SAM translator}."""
    python = _translator_python()
    if python is None:
        pytest.skip("samtranslator is in neither this virtualenv nor .tools/sam (run `make tools`)")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    result = subprocess.run(
        [python, "-c", _TRANSLATE, str(TEMPLATE)], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, f"the SAM translator rejected template.yaml:\n{result.stderr}"
    parsed: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory, infra_report: list[str]) -> Path:
    """Runs `sam build` (no Docker) once for the session, into a temporary build folder."""
    if not SAM.exists():
        pytest.skip(f"the SAM CLI is not installed at {SAM.relative_to(REPO_ROOT)} (run `make tools`)")
    build = tmp_path_factory.mktemp("sam") / "build"
    env = {
        **os.environ,
        # sam build needs the runtime's python3.13 on PATH; the project's virtualenv provides it.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "SAM_CLI_TELEMETRY": "0",
    }
    started = time.monotonic()
    result = subprocess.run(
        [str(SAM), "build", "--template-file", "template.yaml", "--build-dir", str(build)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"sam build failed:\n{result.stdout}\n{result.stderr}"
    infra_report.append(f"sam build: {elapsed:.0f} s")
    return build


@pytest.fixture(scope="session")
def runtime_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder standing in for the runtime's own site-packages: links to this virtualenv's copies."""
    folder = tmp_path_factory.mktemp("lambda-runtime")
    for name in RUNTIME_PROVIDED_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, f"{name} is not installed in {sys.prefix}"
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder

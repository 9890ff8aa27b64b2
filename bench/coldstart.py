"""Cold start of each built function: the time its handler module takes to import (Lambda's init phase).

    make build    # or: .tools/sam/bin/sam build (no Docker)
    .venv/bin/python bench/coldstart.py .aws-sam/build [--runs N]

Reads the built template (`<build dir>/template.yaml`) for every function and its handler, then, N times per
function (the functions interleaved, after one unmeasured run each to warm the file cache), starts a fresh
`python -S -B` process (the Lambda runtime's Python 3.13; no site-packages, no bytecode written) with only the
function's build folder on sys.path, followed by what the python3.13 runtime provides itself (boto3, botocore
and their dependencies, linked from this virtualenv), and times `import <handler module>` inside it, as
Lambda's Init Duration does. `AWS_LAMBDA_INITIALIZATION_TYPE` is `snap-start` for a function with SnapStart
(its module then loads the spaCy model, which the snapshot captures) and `on-demand` for the others, as
Lambda sets it. Tracing is disabled (nothing to send to), but the X-Ray SDK is still imported.

Prints one markdown table: per function, the median and 90th percentile init time, and the median wall time
of the whole process (interpreter start-up included). The numbers are this machine's; Lambda's CPUs (a share
proportional to the memory size) are slower for the small functions.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNTIME_PROVIDED_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# Placeholder environment the handler modules read at import (settings, Powertools); nothing is called.
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_SERVICE_NAME": "newsingest",
    "POWERTOOLS_METRICS_NAMESPACE": "NewsIngest",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "PARSED_BUCKET": "bench-articles",
    "INDEX_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-index",
    "MAX_OBJECT_BYTES": "10485760",
    "IDEMPOTENCY_TABLE_NAME": "bench-idempotency",
    "TABLE_NAME": "bench-index",
}
_INIT = """
import importlib, json, sys, time
started = time.perf_counter()
sys.path[:0] = [sys.argv[1]]
sys.path.append(sys.argv[2])
importlib.import_module(sys.argv[3])
print(json.dumps({"init_ms": (time.perf_counter() - started) * 1000}))
"""


@dataclass
class Function:
    logical_id: str
    folder: Path
    module: str
    init_type: str
    init_ms: list[float] = field(default_factory=list)
    process_ms: list[float] = field(default_factory=list)


def built_functions(build_dir: Path) -> list[Function]:
    from samtranslator.yaml_helper import yaml_parse  # the dev lock's aws-sam-translator

    template: dict[str, Any] = yaml_parse((build_dir / "template.yaml").read_text(encoding="utf-8"))
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        snapstart = properties.get("SnapStart")
        found.append(
            Function(
                logical_id=logical_id,
                folder=(build_dir / properties["CodeUri"]).resolve(),
                module=properties["Handler"].rpartition(".")[0],
                init_type="snap-start" if snapstart else "on-demand",
            )
        )
    if not found:
        sys.exit(f"{build_dir}/template.yaml has no AWS::Serverless::Function")
    return found


def runtime_modules(folder: Path) -> Path:
    """A folder standing in for the runtime's own site-packages: links to this virtualenv's copies."""
    for name in RUNTIME_PROVIDED_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            sys.exit(f"{name} is not installed in {sys.prefix}")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)
    return folder


def measure(function: Function, runtime: Path) -> tuple[float, float]:
    """(init ms, process wall ms) of one fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    env.update(ENVIRONMENT)
    env["AWS_LAMBDA_FUNCTION_NAME"] = function.logical_id
    env["AWS_LAMBDA_INITIALIZATION_TYPE"] = function.init_type
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-S", "-B", "-c", _INIT, str(function.folder), str(runtime), function.module],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    wall_ms = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        sys.exit(f"{function.logical_id}: import {function.module} failed:\n{result.stderr}")
    init_ms = float(json.loads(result.stdout.strip().splitlines()[-1])["init_ms"])
    return init_ms, wall_ms


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("build_dir", type=Path, help="sam build's output folder (e.g. .aws-sam/build)")
    parser.add_argument("--runs", type=int, default=10, help="measured runs per function (default 10)")
    args = parser.parse_args()
    if sys.version_info[:2] != (3, 13):
        print(f"warning: Python {sys.version.split()[0]}, not the runtime's 3.13", file=sys.stderr)
    functions = built_functions(args.build_dir)
    with tempfile.TemporaryDirectory() as scratch:
        runtime = runtime_modules(Path(scratch))
        for function in functions:  # unmeasured: warms the file cache
            measure(function, runtime)
        for _ in range(args.runs):
            for function in functions:
                init_ms, wall_ms = measure(function, runtime)
                function.init_ms.append(init_ms)
                function.process_ms.append(wall_ms)
    print(f"Python {sys.version.split()[0]}, {args.runs} runs per function, {os.cpu_count()} CPUs\n")
    print("| function | handler module | init type | init median (ms) | init p90 (ms) | process median (ms) |")
    print("|---|---|---|---:|---:|---:|")
    for f in functions:
        print(
            f"| {f.logical_id} | {f.module} | {f.init_type} | {statistics.median(f.init_ms):.0f} "
            f"| {p90(f.init_ms):.0f} | {statistics.median(f.process_ms):.0f} |"
        )


if __name__ == "__main__":
    main()

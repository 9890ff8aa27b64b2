"""Real pages at volume through `newsingest local up`, driven as a user would, then checked.

    .venv/bin/python bench/load.py --data ../shared/eval/wcxb-article-dev [--count 1100] [--seed 7]

Uploads `--count` distinct articles in parallel with boto3, mixed (seeded) with duplicates,
overwrites, racing and later deletes, restores and malformed messages (bench/README.md lists
them); waits for both queues to drain after each phase; then compares each key's current bytes,
analysed in this process, with parsed/, the index and the signed API, and prints lost, wrong,
stale, entity totals, dead letters and the end-to-end rate against the in-process one. Exits 1
when lost, wrong, stale or totals is not zero.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsingest.local.mototimes import WRITE_EVERY_SECONDS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"
REGION = "us-east-1"
PREFIX = "incoming/load/"
UPLOAD_THREADS = 8
"""Parallel boto3 callers, as the user's script had: enough to keep moto's request threads busy."""
DUPLICATE_SHARE = 0.05
OVERWRITE_SHARE = 0.05
DELETE_SHARE = 0.05
RACING_DELETE_SHARE = 0.02
RESTORE_SHARE = 0.5
"""Of the overwritten keys and of the keys deleted after indexing: given their first bytes back."""
REJECTED_OVERWRITE_EVERY = 3
"""Every third overwrite writes bytes the ingest refuses (alternately empty and a 404 page)."""
NOT_FOUND_PAGE = b"<html><head><title>404 Not Found</title></head><body><h1>404 page not found</h1></body></html>"
MALFORMED_MESSAGES = (
    "not json at all",
    "{",
    "[]",
    "null",
    '"a string"',
    '{"Records": "nope"}',
    '{"Records": [{"eventSource": "aws:s3"}]}',
    '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}',
    '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "yesterday",'
    ' "s3": {"bucket": {"name": "newsingest-articles"}, "object": {"key": 42}}}]}',
    '{"detail-type": "Object Created", "source": "aws.s3"}',
)
DRAINED_POLLS = 3
POLL_SECONDS = 2.0
"""Both queues must show nothing visible or in flight for three polls 2 s apart (six seconds, a
dozen of the local pump's idle intervals) to count as drained. Not more often: moto counts a
queue's messages one by one on every GetQueueAttributes, and polling both queues every 0.5 s took
13% of the local stack's CPU with 660 messages queued (py-spy)."""
ENTITY_SAMPLE = 40
API_THREADS = 4
BANNER_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Body:
    """One upload's bytes."""

    data: bytes
    content_type: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Expected:
    """What the ingest should make of a body: article ids with their content hashes, or a refusal."""

    articles: dict[str, str] = field(default_factory=dict)
    rejected: str | None = None
    crashed: str | None = None


# -- data --------------------------------------------------------------------------------------


EXCERPT_MIN_CHARS = 1500
"""Derived articles (only when `--count` asks for more than the set's 1,422 texts): each labelled
text cut into consecutive runs of paragraphs of at least this many characters (news-length, like
`--text-chars 4000:6000` elsewhere but shorter, so that 5,000 fit), the rest of the text joined to
the last run; only texts giving at least two runs, so no excerpt is a whole text again."""


def excerpts(text: str) -> list[str]:
    """A labelled text's consecutive runs of paragraphs, each at least `EXCERPT_MIN_CHARS` long."""
    runs: list[list[str]] = [[]]
    for paragraph in (line.strip() for line in text.splitlines()):
        if not paragraph:
            continue
        if sum(len(line) for line in runs[-1]) >= EXCERPT_MIN_CHARS:
            runs.append([])
        runs[-1].append(paragraph)
    if len(runs) > 1 and sum(len(line) for line in runs[-1]) < EXCERPT_MIN_CHARS:
        runs[-2].extend(runs.pop())
    return ["\n\n".join(run) for run in runs] if len(runs) >= 2 else []


def load_bodies(data: Path, count: int) -> list[tuple[str, Body]]:
    """`count` distinct (key, body): the HTML pages, then text articles from truth.jsonl, then (derived,
    under `excerpt/`) those texts' excerpts as articles of their own."""
    pages = sorted((data / "html").glob("*.html.gz"))
    if not pages:
        sys.exit(f"no pages in {data / 'html'} (give --data the evaluation set's folder)")
    bodies = [
        (
            f"{PREFIX}html/{page.name.removesuffix('.html.gz')}.html",
            Body(gzip.decompress(page.read_bytes()), "text/html"),
        )
        for page in pages
    ]
    lines = (data / "truth.jsonl").read_text(encoding="utf-8").split("\n")  # not splitlines(): texts hold U+2028
    truths = [json.loads(line) for line in lines if line.strip()]
    derived: list[tuple[str, Body]] = []
    for truth in truths:
        title, text = (truth.get("title") or "").strip(), (truth.get("main_content") or "").strip()
        if text:
            name = truth.get("id") or truth.get("file_id") or hashlib.sha1(text.encode()).hexdigest()[:12]  # noqa: S324
            bodies.append((f"{PREFIX}text/{name}.txt", Body(f"{title}\n\n{text}\n".encode(), "text/plain")))
            derived += [
                (
                    f"{PREFIX}excerpt/{name}-{part:02d}.txt",
                    Body(f"{title} (part {part})\n\n{run}\n".encode(), "text/plain"),
                )
                for part, run in enumerate(excerpts(text), start=1)
            ]
    bodies += derived
    unique: dict[str, tuple[str, Body]] = {}
    for key, body in bodies:
        unique.setdefault(body.digest, (key, body))  # two labelled texts may be one text
    bodies = list(unique.values())
    if len(bodies) < count:
        print(f"only {len(bodies)} distinct articles available (asked for {count})", file=sys.stderr)
    return bodies[:count]


@dataclass
class Plan:
    """The seeded operations of each phase."""

    first: list[tuple[str, Body]]
    duplicates: list[tuple[str, Body]]
    racing_deletes: dict[str, str]
    """key -> "marker" or "versions"."""
    racing_overwrites: dict[str, Body]
    later_overwrites: dict[str, Body]
    deletes: dict[str, str]
    restores: dict[str, Body]


def make_plan(bodies: list[tuple[str, Body]], seed: int) -> Plan:
    rng = random.Random(seed)
    keys = [key for key, _ in bodies]
    by_key = dict(bodies)
    shuffled = keys[:]
    rng.shuffle(shuffled)
    n = len(keys)
    cut = iter(range(n))
    take = lambda share: [shuffled[next(cut)] for _ in range(max(1, round(n * share)))]  # noqa: E731
    duplicated, overwritten, deleted, racing = (
        take(DUPLICATE_SHARE),
        take(OVERWRITE_SHARE),
        take(DELETE_SHARE),
        take(RACING_DELETE_SHARE),
    )

    def replacement(number: int, key: str) -> Body:
        if number % REJECTED_OVERWRITE_EVERY == REJECTED_OVERWRITE_EVERY - 1:
            rejected = b"" if (number // REJECTED_OVERWRITE_EVERY) % 2 == 0 else NOT_FOUND_PAGE
            return Body(rejected, "text/html" if key.endswith(".html") else "text/plain")
        same_kind = [other for other in keys if other != key and other[-4:] == key[-4:]]
        return by_key[rng.choice(same_kind)]

    overwrites = {key: replacement(number, key) for number, key in enumerate(overwritten)}
    half = len(overwritten) // 2
    racing_overwrites = {key: overwrites[key] for key in overwritten[:half]}
    later_overwrites = {key: overwrites[key] for key in overwritten[half:]}
    restored = rng.sample(overwritten, round(len(overwritten) * RESTORE_SHARE)) + rng.sample(
        deleted, round(len(deleted) * RESTORE_SHARE)
    )
    return Plan(
        first=bodies,
        duplicates=[(key.replace(PREFIX, f"{PREFIX}copy/", 1), by_key[key]) for key in duplicated],
        racing_deletes={key: ("marker" if number % 2 else "versions") for number, key in enumerate(racing)},
        racing_overwrites=racing_overwrites,
        later_overwrites=later_overwrites,
        deletes={key: ("marker" if number % 2 else "versions") for number, key in enumerate(deleted)},
        restores={key: by_key[key] for key in restored},
    )


# -- the stack ---------------------------------------------------------------------------------


@dataclass
class Endpoints:
    aws: str
    api: str
    bucket: str
    pid: int
    log: Path


@contextmanager
def local_up(log: Path, timings: Path) -> Iterator[Endpoints]:
    """`newsingest local up` on free ports, in its own process, as a user starts it; moto's request
    times go to `timings` (`newsingest.local.mototimes`)."""
    env = {name: value for name, value in os.environ.items() if name != "AWS_ENDPOINT_URL"}
    env["NEWSINGEST_MOTO_TIMINGS"] = str(timings)
    functions = str(REPO / "functions")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [functions, env.get("PYTHONPATH")]))
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "newsingest.cli", "local", "up", "--aws-port", "0", "--api-port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + BANNER_TIMEOUT_SECONDS
        found: dict[str, str] = {}
        while len(found) < 3:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"newsingest local up did not start:\n{log.read_text()}")
            for line in log.read_text().splitlines():
                for label, name in (
                    ("AWS (moto) endpoint:", "aws"),
                    ("HTTP API:", "api"),
                    ("articles bucket:", "bucket"),
                ):
                    if label in line:
                        found[name] = line.split(label, 1)[1].strip()
            time.sleep(0.2)
        yield Endpoints(found["aws"], found["api"], found["bucket"], process.pid, log)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as its banner says
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class Usage:
    """CPU seconds `local up`'s process and its ingest workers have used, and moto's totals so far
    (operation -> [requests, CPU seconds, wall seconds])."""

    main: float
    workers: float
    moto: dict[str, list[float]]

    def since(self, earlier: Usage) -> Usage:
        moto = {
            operation: [
                now - before for now, before in zip(totals, earlier.moto.get(operation, [0, 0.0, 0.0]), strict=True)
            ]
            for operation, totals in self.moto.items()
        }
        return Usage(self.main - earlier.main, self.workers - earlier.workers, moto)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def usage(pid: int, timings: Path) -> Usage:
    children = [
        int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()
    ]
    moto = json.loads(timings.read_text()) if timings.exists() else {}
    return Usage(cpu_seconds(pid), sum(cpu_seconds(child) for child in children), moto)


@contextmanager
def py_spy(output: Path | None, pid: int) -> Iterator[None]:
    """Sample a process and its children for the block (py-spy must be installed)."""
    if output is None:
        yield
        return
    command = ["py-spy", "record", "-p", str(pid), "--subprocesses", "-r", "50", "-f", "raw", "-o", str(output)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)


def boto(service: str, endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any
        config=Config(max_pool_connections=UPLOAD_THREADS * 2, retries={"mode": "standard", "max_attempts": 5}),
    )


class Api:
    """SigV4-signed GETs, as the CLI and API Gateway's IAM authorisation want them."""

    def __init__(self, base: str) -> None:
        from botocore.credentials import Credentials

        self._base = base
        self._credentials = Credentials("testing", "testing")

    def get(self, path: str) -> tuple[int, Any]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = f"{self._base}{path}"
        request = AWSRequest(method="GET", url=url)
        SigV4Auth(self._credentials, "execute-api", REGION).add_auth(request)
        http = urllib.request.Request(url, headers=dict(request.headers.items()))  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(http, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None


def queue_urls(sqs: Any) -> dict[str, str]:
    urls = sqs.list_queues().get("QueueUrls", [])
    return {url.rsplit("/", 1)[1].split("-", 1)[1]: url for url in urls}


def wait_drained(sqs: Any, urls: list[str], timeout: float) -> float:
    """Block until every queue is empty and nothing is in flight, stably; returns when it was first seen so."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
    ]
    deadline = time.monotonic() + timeout
    quiet, since, last_report = 0, 0.0, 0.0
    while quiet < DRAINED_POLLS:
        if time.monotonic() > deadline:
            sys.exit(f"queues not drained after {timeout:.0f} s")
        counts = [
            sum(int(v) for v in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values())
            for url in urls
        ]
        if sum(counts) == 0:
            since = since if quiet else time.perf_counter()
            quiet += 1
        else:
            quiet = 0
            if time.monotonic() - last_report > 30:
                print(f"  queued or in flight: ingest {counts[0]}, index {counts[1]}", file=sys.stderr)
                last_report = time.monotonic()
        time.sleep(POLL_SECONDS)
    return since


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Load:
    s3: Any
    bucket: str
    history: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, key: str, body: Body) -> str:
        version = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body.data, ContentType=body.content_type)
        with self.lock:
            self.history[key].append(f"put {body.digest[:8]} ({len(body.data)} bytes)")
        return str(version.get("VersionId"))

    def delete(self, key: str, how: str, version: str | None = None) -> None:
        if how == "marker":
            self.s3.delete_object(Bucket=self.bucket, Key=key)
        elif version is not None:
            self.s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
        else:
            listing = self.s3.list_object_versions(Bucket=self.bucket, Prefix=key)
            for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                if entry["Key"] == key:
                    self.s3.delete_object(Bucket=self.bucket, Key=key, VersionId=entry["VersionId"])
        with self.lock:
            self.history[key].append(f"delete ({how})")


def run_parallel(tasks: list[Callable[[], None]]) -> None:
    with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
        for future in [pool.submit(task) for task in tasks]:
            future.result()


# -- expectations ------------------------------------------------------------------------------


class Analyser:
    """The ingest's parse + entity extraction, in this process: what each body should become."""

    def __init__(self) -> None:
        from newsingest.ingest import IngestService

        self._service = IngestService.wired(
            store=None,  # type: ignore[arg-type] - analyse() reads nothing
            publisher=None,  # type: ignore[arg-type]
            parsed_bucket="bench",
        )
        self._service.warm_up()  # the model loaded outside the timing
        self.cache: dict[tuple[str, str, str], Expected] = {}
        self.seconds = 0.0

    def expect(self, key: str, body: Body) -> Expected:
        from newsingest.errors import RejectedInput
        from newsingest.ingest import FetchedObject
        from newsingest.models import SourceRef

        cache_key = (body.digest, Path(key).suffix, body.content_type)
        if cache_key not in self.cache:
            started = time.perf_counter()
            try:
                articles = self._service.analyse(
                    FetchedObject(body.data, body.content_type, None, None, None), SourceRef(bucket="b", key=key)
                )
                expected = Expected(articles={article.id: article.content_sha256 for article in articles})
            except RejectedInput as exc:
                expected = Expected(rejected=str(exc.reason))
            except Exception as exc:  # the ingest would fail the record: retried, then dead-lettered
                expected = Expected(crashed=f"{type(exc).__name__}: {exc}"[:120])
            self.seconds += time.perf_counter() - started
            self.cache[cache_key] = expected
        return self.cache[cache_key]


# -- the comparison ----------------------------------------------------------------------------


@dataclass
class Findings:
    lost: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    totals: list[str] = field(default_factory=list)
    totals_sampled: int = 0
    unparsed: list[str] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    crashed: list[str] = field(default_factory=list)
    live: int = 0
    live_articles: int = 0
    dead_letters: dict[str, list[str]] = field(default_factory=dict)


def live_objects(s3: Any, bucket: str) -> dict[str, tuple[str, bytes, str]]:
    """key -> (current version id, its bytes, its content type), for keys whose latest is not a delete marker."""
    latest: dict[str, tuple[str, bool]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=PREFIX):
        for entry in page.get("Versions", []):
            if entry["IsLatest"]:
                latest[entry["Key"]] = (entry["VersionId"], True)
        for entry in page.get("DeleteMarkers", []):
            if entry["IsLatest"]:
                latest[entry["Key"]] = (entry["VersionId"], False)
    live = {}
    for key, (version, is_object) in sorted(latest.items()):
        if is_object:
            response = s3.get_object(Bucket=bucket, Key=key, VersionId=version)
            live[key] = (version, response["Body"].read(), response.get("ContentType") or "")
    return live


def parsed_lines(s3: Any, bucket: str) -> list[dict[str, Any]]:
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="parsed/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            lines.extend(json.loads(line) for line in body.splitlines() if line.strip())
    return lines


def compare(
    endpoints: Endpoints, s3: Any, dynamodb: Any, analyser: Analyser, table: str, seed: int, sample: int
) -> Findings:
    from newsingest.adapters.dynamodb import DynamoIndex

    api, index, found = Api(endpoints.api), DynamoIndex(dynamodb, table), Findings()
    live = live_objects(s3, endpoints.bucket)
    found.live = len(live)
    lines = parsed_lines(s3, endpoints.bucket)
    parsed_versions = {(line["source"]["key"], line["source"].get("version_id")) for line in lines}
    expected_live: dict[str, str] = {}  # article id -> content hash, of every live object
    checks: list[tuple[str, Expected, Any]] = []
    for key, (version, data, content_type) in live.items():
        expected = analyser.expect(key, Body(data, content_type))
        checks.append((key, expected, index.get_object(endpoints.bucket, key)))
        expected_live.update(expected.articles)
        if expected.articles and (key, version) not in parsed_versions:
            found.unparsed.append(key)

    with ThreadPoolExecutor(API_THREADS) as pool:
        candidates = sorted(
            set(expected_live)
            | {line["id"] for line in lines}
            | {article for expected in analyser.cache.values() for article in expected.articles}
            | {record.article_id for _, _, state in checks for record in state.all_records()}
        )
        answers = dict(
            zip(candidates, pool.map(lambda article: api.get(f"/v1/articles/{article}"), candidates), strict=True)
        )

    for key, expected, state in checks:
        indexed = {record.article_id for record in state.all_records()}
        if expected.crashed:
            found.crashed.append(f"{key}: {expected.crashed}")
        if expected.rejected:
            found.rejected[expected.rejected] += 1
        if not indexed and not state.rejected:
            found.lost.append(f"{key} (expected {describe(expected)})")
            continue
        if expected.articles and indexed != set(expected.articles):
            found.wrong.append(
                f"{key}: indexed {sorted(indexed) or 'a rejection'}, current bytes give {sorted(expected.articles)}"
            )
            continue
        if not expected.articles and indexed:
            found.wrong.append(f"{key}: current bytes are {describe(expected)}, still indexed as {sorted(indexed)}")
            continue
        for article in indexed:
            status, body = answers.get(article) or api.get(f"/v1/articles/{article}")
            if status != 200 or body.get("content_sha256") != expected.articles.get(article):
                found.wrong.append(f"{key}: GET /v1/articles/{article} answered {status}")
                break

    for article, (status, _) in answers.items():
        if status == 200 and article not in expected_live:
            found.stale.append(article)

    # Entity totals, recomputed from the entities of the live articles as the API gives them
    recomputed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for article in expected_live:
        status, body = answers[article]
        if status != 200:
            continue
        found.live_articles += 1
        for entity in body.get("entities", []):
            recomputed[entity["id"]][0] += 1
            recomputed[entity["id"]][1] += int(entity["mention_count"])
    stale_entities = {
        entity["id"] for article in found.stale for entity in (answers[article][1] or {}).get("entities", [])
    }
    rng = random.Random(seed)
    ranked = sorted(recomputed, key=lambda entity: (-recomputed[entity][0], entity))
    chosen = set(ranked[: sample // 4])
    chosen |= set(
        rng.sample(sorted(set(recomputed) - chosen), min(sample - len(chosen), len(recomputed) - len(chosen)))
    )
    chosen |= set(sorted(stale_entities - set(recomputed))[:5])
    for entity in sorted(chosen):
        status, body = api.get(f"/v1/entities/{entity}")
        want = recomputed.get(entity, [0, 0])
        got = [body["article_count"], body["mention_count"]] if status == 200 else [0, 0]
        if got != want:
            found.totals.append(
                f"{entity}: API {got[0]} articles / {got[1]} mentions, live articles {want[0]} / {want[1]}"
            )
    found.totals_sampled = len(chosen)
    return found


def describe(expected: Expected) -> str:
    if expected.crashed:
        return f"a parser crash, {expected.crashed}"
    if expected.rejected:
        return f"rejected: {expected.rejected}"
    return f"{len(expected.articles)} article(s)"


def dead_letters(sqs: Any, url: str) -> list[str]:
    """The bodies in a dead-letter queue (received without deleting; nothing else reads it)."""
    bodies: dict[str, str] = {}
    for _ in range(100):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        bodies.update((message["MessageId"], message["Body"]) for message in messages)
    return list(bodies.values())


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--count", type=int, default=1100, help="distinct articles uploaded (at least 1,000 for the issue)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--entities", type=int, default=ENTITY_SAMPLE, help="entities whose totals are checked")
    parser.add_argument(
        "--timeout", type=float, default=3600, help="seconds to wait for the queues to drain, per phase"
    )
    parser.add_argument("--py-spy", type=Path, help="record `local up` and its workers in phase 1 (py-spy raw output)")
    parser.add_argument("--log", type=Path, help="where `local up` writes its output (default: a temporary file)")
    args = parser.parse_args()

    bodies = load_bodies(args.data, args.count)
    plan = make_plan(bodies, args.seed)
    print(f"Analysing the {len(bodies)} bodies in this process (the in-process rate) ...", file=sys.stderr)
    analyser = Analyser()
    for key, body in [*plan.first, *plan.racing_overwrites.items(), *plan.later_overwrites.items()]:
        analyser.expect(key, body)
    in_process_bodies, in_process_seconds = len(analyser.cache), analyser.seconds
    distinct = {article for key, body in plan.first for article in analyser.expect(key, body).articles}
    load_average = os.getloadavg()

    log = args.log or Path(tempfile.mkstemp(prefix="newsingest-local-up-", suffix=".log")[1])
    timings = log.with_suffix(".moto-timings.json")
    with local_up(log, timings) as endpoints:
        print(f"local up: pid {endpoints.pid}, AWS {endpoints.aws}, API {endpoints.api}, log {log}", file=sys.stderr)
        s3, sqs, dynamodb = (boto(service, endpoints.aws) for service in ("s3", "sqs", "dynamodb"))
        urls = queue_urls(sqs)
        queues = [urls["ingest"], urls["index"]]
        table = next(name for name in dynamodb.list_tables()["TableNames"] if name.endswith("-index"))
        load = Load(s3, endpoints.bucket)

        def first(key: str, body: Body) -> Callable[[], None]:
            def task() -> None:
                version = load.put(key, body)
                if key in plan.racing_deletes:
                    load.delete(
                        key, plan.racing_deletes[key], version if plan.racing_deletes[key] == "versions" else None
                    )
                if key in plan.racing_overwrites:
                    load.put(key, plan.racing_overwrites[key])

            return task

        def malformed(body: str) -> Callable[[], None]:
            return lambda: sqs.send_message(QueueUrl=urls["ingest"], MessageBody=body) and None

        tasks = [first(key, body) for key, body in plan.first]
        tasks += [lambda key=key, body=body: load.put(key, body) and None for key, body in plan.duplicates]
        tasks += [malformed(body) for body in MALFORMED_MESSAGES]
        random.Random(args.seed).shuffle(tasks)
        uploads = len(plan.first) + len(plan.duplicates) + len(plan.racing_overwrites)
        print(f"Phase 1: {uploads} uploads, {len(plan.racing_deletes)} racing deletes, "
              f"{len(MALFORMED_MESSAGES)} malformed messages ...", file=sys.stderr)  # fmt: skip
        with py_spy(args.py_spy, endpoints.pid):
            before = usage(endpoints.pid, timings)
            started = time.perf_counter()
            run_parallel(tasks)
            uploaded = time.perf_counter() - started
            drained = wait_drained(sqs, queues, args.timeout) - started
            time.sleep(WRITE_EVERY_SECONDS)  # moto's totals written once more
            phase1 = usage(endpoints.pid, timings).since(before)
        print(f"  drained after {drained:.1f} s", file=sys.stderr)

        print(f"Phase 2: {len(plan.deletes)} deletes and {len(plan.later_overwrites)} overwrites after indexing ...",
              file=sys.stderr)  # fmt: skip
        phase2 = [lambda key=key, how=how: load.delete(key, how) for key, how in plan.deletes.items()]
        phase2 += [
            lambda key=key, body=body: load.put(key, body) and None for key, body in plan.later_overwrites.items()
        ]
        run_parallel(phase2)
        wait_drained(sqs, queues, args.timeout)
        print(f"Phase 3: {len(plan.restores)} keys given back bytes they held before ...", file=sys.stderr)
        run_parallel([lambda key=key, body=body: load.put(key, body) and None for key, body in plan.restores.items()])
        wait_drained(sqs, queues, args.timeout)

        print("Comparing bucket, parsed output, index and API ...", file=sys.stderr)
        found = compare(endpoints, s3, dynamodb, analyser, table, args.seed, args.entities)
        found.dead_letters = {
            "ingest": dead_letters(sqs, urls["ingest-dlq"]),
            "index": dead_letters(sqs, urls["index-dlq"]),
        }

    print(
        f"{len(distinct)} distinct article ids among the {len(plan.first)} first uploads; load average "
        f"{load_average[0]:.2f} when the uploads began, {os.getloadavg()[0]:.2f} at the end (1 min).\n"
    )
    report(args, plan, found, uploads, uploaded, drained, in_process_bodies, in_process_seconds)
    report_usage(phase1, uploads, drained)
    return 1 if found.lost or found.wrong or found.stale or found.totals else 0


def report(
    args: argparse.Namespace,
    plan: Plan,
    found: Findings,
    uploads: int,
    uploaded: float,
    drained: float,
    in_process_bodies: int,
    in_process_seconds: float,
) -> None:
    malformed = [body for body in found.dead_letters["ingest"] if body in MALFORMED_MESSAGES]
    other_dlq = [body for body in found.dead_letters["ingest"] if body not in MALFORMED_MESSAGES]
    end_to_end = uploads / drained
    in_process = in_process_bodies / in_process_seconds
    print(
        f"{len(plan.first)} distinct articles ({sum(1 for key, _ in plan.first if key.endswith('.html'))} HTML pages "
        f"of {args.data.name}, {sum(1 for key, _ in plan.first if '/text/' in key)} plain texts from truth.jsonl, "
        f"{sum(1 for key, _ in plan.first if '/excerpt/' in key)} derived excerpts of those texts of at least "
        f"{EXCERPT_MIN_CHARS} characters), {len(plan.duplicates)} duplicates under a "
        f"second key, {len(plan.racing_overwrites)} overwrites racing the first ingest and "
        f"{len(plan.later_overwrites)} after indexing, {len(plan.racing_deletes)} deletes racing the first ingest, "
        f"{len(plan.deletes)} after indexing (half delete markers, half every version), {len(plan.restores)} keys "
        f"given back earlier bytes, {len(MALFORMED_MESSAGES)} malformed messages; seed {args.seed}. "
        f"{found.live} live objects ({sum(found.rejected.values())} of them bytes the ingest refuses: "
        f"{dict(found.rejected)}), {found.live_articles} live articles answered by the API.\n"
    )
    print("| check | count | first examples |")
    print("|---|---:|---|")
    rows = [
        ("lost: live object with neither an indexed article nor a recorded rejection", found.lost),
        ("wrong: indexed article(s) not those of the object's current bytes", found.wrong),
        ("stale: API answers an article no live object holds", found.stale),
        (f"entity totals disagreeing with the live articles' (of {found.totals_sampled} sampled)", found.totals),
        ("live objects whose current version has no line under parsed/", found.unparsed),
        ("live objects whose bytes crash the parser in-process", found.crashed),
        (f"dead-lettered, ingest: malformed messages (of {len(MALFORMED_MESSAGES)} sent)", malformed),
        ("dead-lettered, ingest: S3 notifications", other_dlq),
        ("dead-lettered, index", found.dead_letters["index"]),
    ]
    for label, items in rows:
        examples = "; ".join(str(item)[:140] for item in items[:3]).replace("|", "\\|")
        print(f"| {label} | {len(items)} | {examples} |")
    print("\n| rate | objects | seconds | articles/s |")
    print("|---|---:|---:|---:|")
    print(
        f"| end to end, phase 1: first upload to both queues drained | {uploads} | {drained:.1f} | {end_to_end:.2f} |"
    )
    print(f"| (the uploads alone, {UPLOAD_THREADS} threads) | {uploads} | {uploaded:.1f} | {uploads / uploaded:.1f} |")
    print(
        f"| in-process parse + entity extraction of the same bodies, one process | {in_process_bodies} | "
        f"{in_process_seconds:.1f} | {in_process:.2f} |"
    )
    print(f"\nEnd to end / in-process: **{end_to_end / in_process:.2f}x**")
    details = [("lost", found.lost), ("wrong", found.wrong), ("stale", found.stale), ("totals", found.totals)]
    for label, items in details:
        for item in items[:20]:
            print(f"{label}: {item}", file=sys.stderr)


def report_usage(phase1: Usage, uploads: int, drained: float) -> None:
    """Where phase 1's CPU went: moto answering requests, the rest of `local up`'s process (the
    indexer, the API, the event source mapping stand-ins, the HTTP servers), the ingest workers."""
    moto_requests = sum(int(totals[0]) for totals in phase1.moto.values())
    moto_cpu = sum(totals[1] for totals in phase1.moto.values())
    rest = phase1.main - moto_cpu
    print("\n| phase 1, CPU of | seconds | ms per object | share of `local up`'s process |")
    print("|---|---:|---:|---:|")
    print(
        f"| moto answering {moto_requests} requests ({moto_requests / uploads:.1f} per object) | {moto_cpu:.1f} | "
        f"{moto_cpu / uploads * 1000:.1f} | {moto_cpu / phase1.main:.0%} |"
    )
    print(
        f"| the rest of `local up`'s process: indexer, API, event source mapping stand-ins, HTTP | {rest:.1f} | "
        f"{rest / uploads * 1000:.1f} | {rest / phase1.main:.0%} |"
    )
    print(f"| ingest worker processes (parse, NER, their AWS calls) | {phase1.workers:.1f} | "
          f"{phase1.workers / uploads * 1000:.1f} | |")  # fmt: skip
    print(
        f"\n`local up`'s process used {phase1.main / drained:.2f} cores over the {drained:.0f} s (its threads share "
        f"one interpreter lock); at its CPU per object it alone would take {phase1.main / uploads * 1000:.0f} ms "
        f"per object, {uploads / phase1.main:.2f} objects/s."
    )
    busiest = sorted(phase1.moto.items(), key=lambda item: -item[1][1])[:6]
    print("\n| moto operation | requests | CPU s | ms each |")
    print("|---|---:|---:|---:|")
    for operation, (requests, cpu, _) in busiest:
        print(f"| {operation} | {int(requests)} | {cpu:.1f} | {cpu / max(requests, 1) * 1000:.2f} |")


if __name__ == "__main__":
    raise SystemExit(main())

"""The chaos run: the template's stack on a moto server, both functions fed by the event source
mapping stand-in, every AWS call the functions make failing at a set rate (`adapters/faults.py`)
and the functions killed at random step boundaries (`crashpoints.py`), while a seeded mix of
operations changes the bucket and the queues: new uploads, the same bytes under a second key,
overwrites with other content, deletes of every kind (one racing the first ingest), S3
notifications and index events delivered again and out of order, and poison messages. The queues
are then drained, the dead-letter queues redriven as an operator would (poison left where it is),
and the index audited against the bucket (`local/audit.py`).

Everything runs in this process, one invocation at a time, so a seed gives the same operations,
faults and crashes on every run (only the time botocore's retries sleep varies). `tests/e2e/
test_faults.py` runs a few hundred operations on the test fixtures, `bench/faults.py` thousands on
real pages.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from newsingest import crashpoints
from newsingest.adapters import faults
from newsingest.adapters.ops import DynamoIndexScan, S3Listing, SqsDeadLetterQueue
from newsingest.events import EventType
from newsingest.local.audit import Expectations, Findings, audit
from newsingest.local.demo import INDEX_BATCH_SIZE, INGEST_BATCH_SIZE, LOCAL_ENVIRONMENT, reset_caches
from newsingest.local.esm import Handler, LocalContext, QueuePump
from newsingest.local.stack import LocalStack, create_stack
from newsingest.local.up import REQUEST_LOG
from newsingest.ops.dlq import peek, redrive
from newsingest.ops.reconcile import reconcile
from newsingest.settings import FaultKind

PREFIX = "incoming/chaos/"


class Operation(StrEnum):
    UPLOAD = "new upload"
    COPY = "same bytes under a second key"
    OVERWRITE = "overwrite with other content"
    DELETE_MARKER = "delete (delete marker)"
    DELETE_VERSIONS = "delete (every version)"
    DELETE_CURRENT = "delete of the current version (an older one returns)"
    RACING_DELETE = "upload and a delete racing its first ingest"
    REDELIVER = "event delivered twice"
    OUT_OF_ORDER = "older event delivered after newer ones"
    POISON = "poison message written to a queue"


OPERATION_WEIGHTS = {
    Operation.UPLOAD: 24,
    Operation.COPY: 8,
    Operation.OVERWRITE: 14,
    Operation.DELETE_MARKER: 6,
    Operation.DELETE_VERSIONS: 5,
    Operation.DELETE_CURRENT: 4,
    Operation.RACING_DELETE: 5,
    Operation.REDELIVER: 14,
    Operation.OUT_OF_ORDER: 12,
    Operation.POISON: 8,
}
"""Chosen so that every kind occurs dozens of times in a few hundred operations, with uploads the
most common and enough objects alive for the deletes, copies and overwrites to act on."""

INDEX_EVENT_SHARE = 0.35
"""Of the redeliveries and out-of-order deliveries: index events (the rest are S3 notifications)."""

REJECTED_OVERWRITE_SHARE = 0.2
"""Of the overwrites: bytes the ingest refuses (an empty object, a page without article text)."""

NOT_FOUND_PAGE = b"<html><head><title>404 Not Found</title></head><body><h1>404 page not found</h1></body></html>"
REFUSED_BODIES = ((b"", "text/plain"), (NOT_FOUND_PAGE, "text/html"))

INGEST_POISON = (
    "not json at all",
    "[]",
    '{"Records": "nope"}',
    '{"Records": [{"eventSource": "aws:s3"}]}',
    '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {}}]}',
    '{"detail-type": "Object Created", "source": "aws.s3"}',
)
INDEX_POISON = (
    "{",
    '{"specversion": "1.0"}',
    '{"specversion": "1.0", "type": "newsingest.ArticleParsed", "id": "x", "source": "s", "data": {}}',
    '{"specversion": "1.0", "type": "newsingest.Unknown", "id": "x", "source": "s", "data": {}}',
)
"""Malformed messages written straight to the queues: each fails every delivery, lands in the
dead-letter queue and stays there (an operator does not redrive junk)."""

PUMP_CHOICES = (0, 0, 1, 1, 2)
"""Invocations of each function after an operation: the queues fill and drain unevenly, so events
of one key meet at every distance."""

ARTICLE_ID = re.compile(r"\b[0-9a-f]{32}\b")

EXAMPLES_SHOWN = 20
"""reconcile's findings shown in the report when it finds any."""

INDEXER_TIMEOUT_SECONDS = 30
"""The indexer's timeout in the template."""


@dataclass(frozen=True)
class Body:
    """One upload's bytes; `suffix` names its format in the key, as users' keys do."""

    name: str
    data: bytes
    content_type: str
    suffix: str


@dataclass(frozen=True)
class ChaosSettings:
    operations: int
    seed: int = 7
    fault_rate: float = 0.1
    fault_persistence: float = 0.5
    fault_kinds: tuple[FaultKind, ...] = tuple(FaultKind)
    crash_rate: float = 0.02
    ingest_timeout_seconds: int = 60
    """The stand-in's Lambda timeout for ingest: how long a lock left by a lost response lasts."""
    max_redrive_rounds: int = 10
    retry_sleep_scale: float = 0.0
    """botocore's retry backoff, scaled (`faults.scaled_retry_sleeps`): one invocation runs at a time,
    so sleeping changes nothing but the wall time."""


@dataclass
class ChaosReport:
    settings: ChaosSettings
    operations: Counter[str] = field(default_factory=Counter)
    faults: faults.FaultCounts = field(default_factory=faults.FaultCounts)
    crashes: Counter[str] = field(default_factory=Counter)
    boundaries: Counter[str] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    failed_messages: Counter[str] = field(default_factory=Counter)
    redriven: Counter[str] = field(default_factory=Counter)
    redrive_rounds: int = 0
    lock_wait_seconds: float = 0.0
    backoff_requested_seconds: float = 0.0
    poison_sent: int = 0
    poison_dead_lettered: int = 0
    dead_letters_left: int = 0
    findings: Findings = field(default_factory=Findings)
    reconcile: dict[str, int] = field(default_factory=dict)
    """What `newsingest reconcile` counted, per kind of drift."""
    reconcile_examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return (
            self.findings.clean
            and bool(self.reconcile)
            and not any(self.reconcile.values())
            and self.dead_letters_left == 0
            and self.poison_dead_lettered == self.poison_sent
        )


@contextmanager
def moto_server_stack(extra_environment: dict[str, str]) -> Iterator[tuple[LocalStack, dict[str, Any]]]:
    """The template's resources on a moto server in this process, the functions' environment set
    (with `extra_environment`), and clients no fault touches for whoever drives and checks it."""
    from moto.moto_api._internal.models import moto_api_backend
    from moto.server import ThreadedMotoServer

    from newsingest.adapters.aws import plain_client
    from newsingest.local import motofast

    motofast.install()
    request_log = logging.getLogger(REQUEST_LOG)
    request_log_level = request_log.level
    request_log.setLevel(logging.WARNING)
    moto_api_backend.reset()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = dict(os.environ)
    try:
        os.environ.update(LOCAL_ENVIRONMENT | extra_environment | {"AWS_ENDPOINT_URL": f"http://{host}:{port}"})
        reset_caches()
        clients = {name: plain_client(name) for name in ("s3", "sqs", "dynamodb")}
        stack = create_stack(clients["s3"], clients["sqs"], clients["dynamodb"])
        os.environ.update(stack.ingest_environment() | stack.indexer_environment())
        reset_caches()
        clients = {name: plain_client(name) for name in ("s3", "sqs", "dynamodb")}
        yield stack, clients
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_caches()
        server.stop()
        request_log.setLevel(request_log_level)


@dataclass(frozen=True)
class Version:
    """One version of a key as the harness wrote it: its body (None: bytes the ingest refuses), or a delete marker."""

    version_id: str
    body: Body | None
    marker: bool = False


@dataclass(frozen=True)
class Delivery:
    """A message a function received, kept to be delivered again."""

    queue: str
    key: str
    body: str


class ChaosRun:
    """One seeded run; `run()` does it all and returns the report."""

    def __init__(self, bodies: Sequence[Body], settings: ChaosSettings, *, log: Callable[[str], None] = print) -> None:
        if not bodies:
            raise ValueError("the chaos run needs bodies to upload")
        self._bodies = list(bodies)
        self._settings = settings
        self._log = log
        self._rng = random.Random(settings.seed)  # noqa: S311 - seeded, not secret
        self.report = ChaosReport(settings=settings)
        self._fresh = iter(self._rng.sample(self._bodies, len(self._bodies)))
        self._versions: defaultdict[str, list[Version]] = defaultdict(list)
        self._used_keys: list[str] = []
        self._deliveries: list[Delivery] = []
        self._poison: set[str] = set()
        self._count = 0
        self.history: defaultdict[str, list[str]] = defaultdict(list)
        """Per key: what the harness did to it and each event the indexer applied, in order."""

    def fault_environment(self) -> dict[str, str]:
        settings = self._settings
        return {
            "NEWSINGEST_FAULT_RATE": str(settings.fault_rate),
            "NEWSINGEST_FAULT_PERSISTENCE": str(settings.fault_persistence),
            "NEWSINGEST_FAULT_SEED": str(settings.seed),
            "NEWSINGEST_FAULT_KINDS": ",".join(settings.fault_kinds),
        }

    def run(self) -> ChaosReport:
        started = time.perf_counter()
        faults.reset_counts()
        crash = crashpoints.CrashAtRandom(self._settings.crash_rate, self._settings.seed)
        with (
            moto_server_stack(self.fault_environment()) as (stack, clients),
            crashpoints.installed(crash),
            faults.scaled_retry_sleeps(self._settings.retry_sleep_scale) as clock,
        ):
            self._stack, self._s3, self._sqs = stack, clients["s3"], clients["sqs"]
            from newsingest.handlers import indexer, ingest
            from newsingest.observability import logger

            level = logger.log_level
            logger.setLevel(logging.CRITICAL)  # the failures it would log are the point of the run
            indexer.applied_listeners.append(self._applied)
            try:
                self._ingest = QueuePump(
                    self._sqs,
                    stack.ingest_queue_url,
                    self._recording(ingest.handler, stack.ingest_queue_url),
                    function_name="IngestFunction",
                    batch_size=INGEST_BATCH_SIZE,
                    timeout_seconds=self._settings.ingest_timeout_seconds,
                )
                self._index = QueuePump(
                    self._sqs,
                    stack.index_queue_url,
                    self._recording(indexer.handler, stack.index_queue_url),
                    function_name="IndexerFunction",
                    batch_size=INDEX_BATCH_SIZE,
                    timeout_seconds=INDEXER_TIMEOUT_SECONDS,
                )
                self._operate(crash)
                self._settle(clients["dynamodb"])
            finally:
                indexer.applied_listeners.remove(self._applied)
                logger.setLevel(level)
            self.report.faults = faults.counts()
            self.report.backoff_requested_seconds = clock.requested
            self.report.crashes = crash.crashes
            self.report.boundaries = crash.reached
            with crashpoints.installed(lambda boundary: None):
                self._log("Auditing the index against the bucket ...")
                from newsingest.adapters.dynamodb import DynamoIndex

                self.report.findings = audit(
                    self._s3, DynamoIndex(clients["dynamodb"], stack.table_name), stack.bucket, Expectations()
                )
                self._log("Reconciling (newsingest reconcile) ...")
                reconciled = reconcile(
                    S3Listing(self._s3, stack.bucket), DynamoIndexScan(clients["dynamodb"], stack.table_name)
                )
                self.report.reconcile = reconciled.counts()
                self.report.reconcile_examples = [
                    f"{finding.kind} {finding.key or finding.article_id}: {finding.what}"
                    for finding in reconciled.findings[:EXAMPLES_SHOWN]
                ]
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _operate(self, crash: crashpoints.CrashAtRandom) -> None:
        """The seeded operations, each followed by a few invocations of each function."""
        kinds = list(OPERATION_WEIGHTS)
        weights = list(OPERATION_WEIGHTS.values())
        for number in range(self._settings.operations):
            self._do(self._rng.choices(kinds, weights)[0])
            for _ in range(self._rng.choice(PUMP_CHOICES)):
                self._invoke("ingest")
            for _ in range(self._rng.choice(PUMP_CHOICES)):
                self._invoke("index")
            if (number + 1) % 100 == 0:
                self._log(f"  {number + 1} operations, {sum(crash.crashes.values())} kills so far")

    # -- the functions ---------------------------------------------------------------------------

    def _applied(self, event: Any, outcome: Any) -> None:
        data = event.data
        source = getattr(data, "source", None)
        if source is None:
            return  # about no object: entities released by a removal, stray entries
        article = getattr(data, "article_id", None)
        self.history[source.key].append(
            f"indexed {event.type.removeprefix('newsingest.')} v={source.version_id} seq={source.sequencer}"
            f"{f' article={article}' if article else ''}: {outcome}"
        )

    def _recording(self, handler: Handler, queue: str) -> Handler:
        """The handler, its deliveries kept to be sent again. What it prints is dropped: Powertools
        prints an EMF line whenever 100 values of a metric pile up, even with metrics disabled
        (a disabled flush does not clear them)."""

        def invoke(event: dict[str, Any], context: LocalContext) -> dict[str, Any]:
            for record in event.get("Records", []):
                self._deliveries.append(Delivery(queue, _key_of(record["body"]), record["body"]))
            with contextlib.redirect_stdout(io.StringIO()):
                return handler(event, context)

        return invoke

    def _invoke(self, function: str) -> bool:
        pump = self._ingest if function == "ingest" else self._index
        result = pump.run_once()
        if result is None:
            return False
        self.report.invocations[function] += 1
        self.report.failed_messages[function] += result.failed
        return True

    def _drain(self) -> None:
        while self._invoke("ingest") | self._invoke("index"):
            pass

    def _settle(self, dynamodb: Any) -> None:
        """Drain both queues; while their dead-letter queues hold more than poison, wait for the locks
        lost responses left in the idempotency table to expire, then redrive both with `newsingest
        dlq redrive`'s own code, as an operator would (the poison goes back too, and returns)."""
        self._log("Draining the queues ...")
        self._drain()
        queues = {
            "ingest": SqsDeadLetterQueue(self._sqs, self._stack.ingest_dlq_url, self._stack.ingest_queue_url),
            "index": SqsDeadLetterQueue(self._sqs, self._stack.index_dlq_url, self._stack.index_queue_url),
        }
        for _ in range(self._settings.max_redrive_rounds):
            dead = {name: [m for m in peek(queue) if m.body not in self._poison] for name, queue in queues.items()}
            if not any(dead.values()):
                break
            if dead["ingest"]:
                self.report.lock_wait_seconds += _wait_for_idempotency_locks(dynamodb, self._stack)
            for name, queue in queues.items():
                self.report.redriven[name] += len(dead[name])
                redrive(queue, f"{name} dead-letter queue", out=io.StringIO())
            self.report.redrive_rounds += 1
            self._log(
                f"  redrove {sum(len(messages) for messages in dead.values())} dead letter(s); draining again ..."
            )
            self._drain()
        left = [message for queue in queues.values() for message in peek(queue)]
        self.report.poison_dead_lettered = sum(1 for message in left if message.body in self._poison)
        self.report.dead_letters_left = len(left) - self.report.poison_dead_lettered

    # -- the operations --------------------------------------------------------------------------

    def _do(self, operation: Operation) -> None:
        done = {
            Operation.UPLOAD: self._upload,
            Operation.COPY: self._copy,
            Operation.OVERWRITE: self._overwrite,
            Operation.DELETE_MARKER: self._delete_marker,
            Operation.DELETE_VERSIONS: self._delete_versions,
            Operation.DELETE_CURRENT: self._delete_current,
            Operation.RACING_DELETE: self._racing_delete,
            Operation.REDELIVER: self._redeliver,
            Operation.OUT_OF_ORDER: self._out_of_order,
            Operation.POISON: self._poison_message,
        }[operation]()
        if done is None:  # nothing to act on yet: a new upload instead
            done = self._upload()
        self.report.operations[done] += 1

    def _new_key(self, body: Body, folder: str = "") -> str:
        self._count += 1
        return f"{PREFIX}{folder}{self._count:05d}-{body.name}{body.suffix}"

    def _put(self, key: str, data: bytes, content_type: str, body: Body | None) -> str:
        response = self._s3.put_object(Bucket=self._stack.bucket, Key=key, Body=data, ContentType=content_type)
        version = str(response["VersionId"])
        self._versions[key].append(Version(version, body))
        self.history[key].append(f"put v={version} ({body.name if body else 'refused bytes'})")
        if key not in self._used_keys:
            self._used_keys.append(key)
        return version

    def _current(self, key: str) -> Version | None:
        """The key's current version as the harness wrote it; None when gone or behind a delete marker."""
        versions = self._versions.get(key)
        return versions[-1] if versions and not versions[-1].marker else None

    def _live_keys(self, *, with_body: bool = False) -> list[str]:
        return [
            key
            for key in self._used_keys
            if (current := self._current(key)) is not None and (current.body is not None or not with_body)
        ]

    def _upload(self) -> Operation:
        body = next(self._fresh, None)
        if body is None:  # every body uploaded once: the rest are copies
            copied = self._copy()
            if copied is not None:
                return copied
            body = self._rng.choice(self._bodies)
        self._put(self._new_key(body), body.data, body.content_type, body)
        return Operation.UPLOAD

    def _copy(self) -> Operation | None:
        keys = self._live_keys(with_body=True)
        if not keys:
            return None
        current = self._current(self._rng.choice(keys))
        assert current is not None and current.body is not None
        body = current.body
        self._put(self._new_key(body, "copy/"), body.data, body.content_type, body)
        return Operation.COPY

    def _overwrite(self) -> Operation | None:
        if not self._used_keys:
            return None
        key = self._rng.choice(self._used_keys)
        if self._rng.random() < REJECTED_OVERWRITE_SHARE:
            data, content_type = self._rng.choice(REFUSED_BODIES)
            self._put(key, data, content_type, None)
        else:
            current = self._current(key)
            body = self._rng.choice([body for body in self._bodies if current is None or body is not current.body])
            self._put(key, body.data, body.content_type, body)
        return Operation.OVERWRITE

    def _delete_marker(self) -> Operation | None:
        keys = self._live_keys()
        if not keys:
            return None
        key = self._rng.choice(keys)
        self._mark_deleted(key)
        return Operation.DELETE_MARKER

    def _mark_deleted(self, key: str) -> None:
        response = self._s3.delete_object(Bucket=self._stack.bucket, Key=key)
        self._versions[key].append(Version(str(response.get("VersionId")), None, marker=True))
        self.history[key].append(f"delete marker v={response.get('VersionId')}")

    def _delete_versions(self) -> Operation | None:
        keys = self._live_keys()
        if not keys:
            return None
        key = self._rng.choice(keys)
        for version in self._versions[key]:
            self._s3.delete_object(Bucket=self._stack.bucket, Key=key, VersionId=version.version_id)
        self._versions[key].clear()
        self.history[key].append("deleted every version")
        return Operation.DELETE_VERSIONS

    def _delete_current(self) -> Operation | None:
        keys = [key for key in self._live_keys() if len(self._versions[key]) >= 2]
        if not keys:
            return None
        key = self._rng.choice(keys)
        version = self._versions[key].pop()
        self._s3.delete_object(Bucket=self._stack.bucket, Key=key, VersionId=version.version_id)
        self.history[key].append(f"deleted the current version v={version.version_id}")
        return Operation.DELETE_CURRENT

    def _racing_delete(self) -> Operation:
        body = next(self._fresh, None) or self._rng.choice(self._bodies)
        key = self._new_key(body, "racing/")
        version = self._put(key, body.data, body.content_type, body)
        if self._rng.random() < 0.5:
            self._mark_deleted(key)
        else:
            self._s3.delete_object(Bucket=self._stack.bucket, Key=key, VersionId=version)
            self._versions[key].clear()
            self.history[key].append(f"deleted v={version}")
        return Operation.RACING_DELETE

    def _pick_queue(self) -> str:
        index = self._rng.random() < INDEX_EVENT_SHARE
        return self._stack.index_queue_url if index else self._stack.ingest_queue_url

    def _redeliver(self) -> Operation | None:
        queue = self._pick_queue()
        delivered = [delivery for delivery in self._deliveries if delivery.queue == queue and delivery.key]
        if not delivered:
            return None
        delivery = self._rng.choice(delivered)
        self._sqs.send_message(QueueUrl=queue, MessageBody=delivery.body)
        self.history[delivery.key].append(f"redelivered to {queue.rsplit('/', 1)[-1]}: {_summary(delivery.body)}")
        return Operation.REDELIVER

    def _out_of_order(self) -> Operation | None:
        queue = self._pick_queue()
        by_key: defaultdict[str, list[str]] = defaultdict(list)
        for delivery in self._deliveries:
            if delivery.queue == queue and delivery.key and delivery.body not in by_key[delivery.key]:
                by_key[delivery.key].append(delivery.body)
        older = [(key, bodies[:-1]) for key, bodies in by_key.items() if len(bodies) > 1]
        if not older:
            return None
        key, bodies = self._rng.choice(older)
        body = self._rng.choice(bodies)
        self._sqs.send_message(QueueUrl=queue, MessageBody=body)
        self.history[key].append(f"late delivery to {queue.rsplit('/', 1)[-1]}: {_summary(body)}")
        return Operation.OUT_OF_ORDER

    def _poison_message(self) -> Operation:
        self._count += 1
        if self._rng.random() < 0.5:
            queue, body = self._stack.ingest_queue_url, self._rng.choice(INGEST_POISON)
        else:
            queue, body = self._stack.index_queue_url, self._rng.choice(INDEX_POISON)
        body = f"{body}{' ' * (self._count % 7)}"  # a distinct body each, recognisable in the DLQ
        while body in self._poison:
            body += " "
        self._poison.add(body)
        self._sqs.send_message(QueueUrl=queue, MessageBody=body)
        self.report.poison_sent += 1
        return Operation.POISON


def _key_of(body: str) -> str:
    """The object key a delivered message is about ('' for anything else)."""
    try:
        message = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(message, dict):
        return ""
    if isinstance(message.get("subject"), str):  # a CloudEvent; EntitiesReleased's is an article id
        return "" if message.get("type") == EventType.ENTITIES_RELEASED else str(message["subject"])
    records = message.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        obj = records[0].get("s3", {}).get("object", {})
        return str(obj.get("key", "")) if isinstance(obj, dict) else ""
    return ""


def _summary(body: str) -> str:
    """An S3 notification or CloudEvent in a few words, for the history."""
    message = json.loads(body)
    if "Records" in message:
        record = message["Records"][0]
        obj = record["s3"]["object"]
        return f"{record['eventName']} v={obj.get('versionId')} seq={obj.get('sequencer')}"
    source = message["data"]["source"]
    return f"{message['type'].removeprefix('newsingest.')} v={source.get('version_id')} seq={source.get('sequencer')}"


LOCK_POLL_SECONDS = 0.5


def _wait_for_idempotency_locks(dynamodb: Any, stack: LocalStack) -> float:
    """Wait until no announcement lock (Powertools' INPROGRESS record) is still valid: a lost
    response on the lock's conditional put leaves one, and the change cannot be announced until it
    expires (in AWS, SQS's redelivery after the 365 s visibility timeout always comes later)."""
    started = time.monotonic()
    while True:
        now_ms = int(time.time() * 1000)
        pending = [
            int(item["in_progress_expiration"]["N"])
            for page in dynamodb.get_paginator("scan").paginate(TableName=stack.idempotency_table_name)
            for item in page["Items"]
            if item.get("status", {}).get("S") == "INPROGRESS"
            and "in_progress_expiration" in item
            and int(item["in_progress_expiration"]["N"]) > now_ms
        ]
        if not pending:
            return time.monotonic() - started
        time.sleep(max(LOCK_POLL_SECONDS, (max(pending) - now_ms) / 1000))


def report_lines(report: ChaosReport) -> list[str]:
    """The report as markdown tables, as `bench/faults.py` prints it."""
    settings, found, counted = report.settings, report.findings, report.faults
    lines = [
        f"{sum(report.operations.values())} operations, seed {settings.seed}, fault rate {settings.fault_rate} "
        f"(persistence {settings.fault_persistence}), crash rate {settings.crash_rate} per boundary; "
        f"{report.seconds:.1f} s wall time.",
        "",
        "| operation | count |",
        "|---|---:|",
        *(f"| {operation} | {report.operations[operation]} |" for operation in Operation),
        "",
        f"AWS calls by the functions: {counted.calls}, attempts {counted.attempts} (botocore retries included); "
        f"botocore's retries asked for {report.backoff_requested_seconds:.0f} s of backoff, slept "
        f"{report.backoff_requested_seconds * settings.retry_sleep_scale:.0f} s.",
        "",
        "| fault | injected (attempts) | reached the functions' code (after botocore's retries) |",
        "|---|---:|---:|",
        *(f"| {kind} | {counted.injected[kind]} | {counted.surfaced[kind]} |" for kind in FaultKind),
        f"| **all** | {sum(counted.injected.values())} | {sum(counted.surfaced.values())} |",
        "",
        "| handler killed at | kills | times reached |",
        "|---|---:|---:|",
        *(
            f"| {boundary} | {report.crashes[boundary]} | {report.boundaries[boundary]} |"
            for boundary in crashpoints.Boundary
        ),
        f"| **all** | {sum(report.crashes.values())} | {sum(report.boundaries.values())} |",
        "",
        f"Invocations: ingest {report.invocations['ingest']}, index {report.invocations['index']}; messages "
        f"failed and delivered again: ingest {report.failed_messages['ingest']}, index "
        f"{report.failed_messages['index']}. Dead letters redriven: ingest {report.redriven['ingest']}, index "
        f"{report.redriven['index']} in {report.redrive_rounds} round(s), after {report.lock_wait_seconds:.1f} s "
        f"waiting for announcement locks to expire. Poison messages: {report.poison_sent} sent, "
        f"{report.poison_dead_lettered} in the dead-letter queues; other dead letters left: "
        f"{report.dead_letters_left}.",
        "",
        f"Audit: {found.live_objects} live objects ({found.rejected_objects} refused), {found.live_articles} live "
        f"articles, {found.entities_checked} entities' totals checked.",
        "",
        "| check | audit (the bucket's bytes analysed again) | `newsingest reconcile` |",
        "|---|---:|---:|",
        f"| lost | {found.lost} | {report.reconcile.get('lost', '-')} |",
        f"| duplicated | {found.duplicated} | {report.reconcile.get('duplicated', '-')} |",
        f"| stale | {found.stale} | {report.reconcile.get('stale', '-')} |",
        f"| orphaned (the object gone, still indexed: stale to the audit) | - | "
        f"{report.reconcile.get('orphaned', '-')} |",
        f"| entity totals off | {found.totals_off} | {report.reconcile.get('totals_off', '-')} |",
    ]
    lines += [f"reconcile: {example}" for example in report.reconcile_examples]
    for finding, examples in found.examples.items():
        lines += [f"{finding}: {example}" for example in examples]
    return lines


def histories(run: ChaosRun, findings: Findings, limit: int = 5) -> list[str]:
    """What happened to the keys the audit's and reconcile's examples name, or that held the articles
    they name (the first `limit`)."""
    examples = [example for kept in findings.examples.values() for example in kept] + run.report.reconcile_examples
    articles = {word for example in examples for word in ARTICLE_ID.findall(example)}
    keys = [
        key
        for key, steps in run.history.items()
        if any(key in example for example in examples) or any(article in step for step in steps for article in articles)
    ]
    return [
        line for key in keys[:limit] for line in [f"history of {key}:", *(f"  {step}" for step in run.history[key])]
    ]

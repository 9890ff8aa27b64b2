"""Lambda adapter of the ingest stage: S3 changes (via SQS, directly, or via EventBridge) -> events.

Configured as `newsingest.handlers.ingest.handler`. SQS batches report partial failures: a record
whose object could not be processed for a transient reason goes back to the queue alone, and
after five receives to the DLQ. Bad articles are not failures: they become `ArticleRejected`.
Records not started while `MIN_REMAINING_MS_TO_PREPARE` of the invocation remained are reported
as failed too, and retried by SQS in a later invocation.

A batch runs in three steps so that its parsed articles are one S3 object (one PUT, $0.50 per
million articles in batches of ten instead of $5): every record is prepared (read, parsed,
analysed), the batch's articles are stored together, then every record publishes its events
through Powertools Idempotency, one record at a time. Nothing is announced before it is stored,
and a record is completed (and deleted from the queue) only once its events are sent: a crash at
any point leaves the record to be retried, at worst leaving an unreferenced line in an object
already written. What idempotency spares is a second announcement of a change already announced
(a duplicate S3 notification or SQS delivery); such a duplicate is still parsed (it is rare, and
the idempotency record keeps only event ids, not the ~23 KB article, so it cannot replay the
parse).
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsingest.adapters.aws import client
from newsingest.adapters.s3 import S3ObjectStore
from newsingest.adapters.sqs import SqsEventPublisher
from newsingest.events import ArticleParsedEvent, ArticleRejectedEvent
from newsingest.ingest import IngestEvent, IngestService, PreparedChange
from newsingest.models import SourceRef
from newsingest.observability import logger, metrics, tracer
from newsingest.settings import ingest_settings
from newsingest.triggers import ChangeKind, ObjectChange, changes_in, parse_s3_message

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
"""SQS redelivers within the visibility timeout (minutes) and retries for at most five receives:
a day covers every redelivery of one event with a wide margin."""

IDEMPOTENCY_KEY = "[kind, source.bucket, source.key, source.version_id || source.etag]"
"""One object version is processed once, whichever trigger or duplicate delivery reports it."""

MIN_REMAINING_MS_TO_PREPARE = 25_000
"""A record is prepared only while this much of the invocation is left (the first record always
is): one object may take up to about 20 s (`MAX_TEXT_CHARS` is sized for that at the function's
576 MB), and storing the batch and announcing its records takes a second or two. A record not
started in time is reported as failed and retried by SQS, so a batch of large uploads does not
time out as a whole and go to the dead-letter queue together."""


class DeferredForTime(Exception):
    """A record left for a later invocation: too little time remains to prepare it in this one."""


prepare_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
announce_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
"""One processor per step; neither raises when all its records fail: the two steps' failures are
reported together, and a response listing every record retries them all as an error would."""
idempotency_config = IdempotencyConfig(
    event_key_jmespath=IDEMPOTENCY_KEY, expires_after_seconds=IDEMPOTENCY_TTL_SECONDS
)


@lru_cache(maxsize=1)
def _service() -> IngestService:
    from newsingest.entities import analyse_text
    from newsingest.parsing import parse_articles

    settings = ingest_settings()
    return IngestService(
        store=S3ObjectStore(client("s3")),
        publisher=SqsEventPublisher(client("sqs"), settings.index_queue_url),
        parsed_bucket=settings.parsed_bucket,
        max_object_bytes=settings.max_object_bytes,
        max_text_chars=settings.max_text_chars,
        parse=parse_articles,
        analyse=analyse_text,
        on_parse_error=_log_parse_error,
    )


def _log_parse_error(source: SourceRef, error: Exception) -> None:
    """A defect of ours met a real object: log it with its traceback and count it."""
    logger.exception(
        "parse failed: object rejected as parse_error", extra={"error_type": type(error).__name__}, exc_info=error
    )
    metrics.add_metric(name="ParseErrors", unit=MetricUnit.Count, value=1)


def _record_metrics(event: IngestEvent) -> None:
    if isinstance(event, ArticleParsedEvent):
        metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="EntitiesExtracted", unit=MetricUnit.Count, value=len(event.data.entities))
    elif isinstance(event, ArticleRejectedEvent) and not is_metrics_disabled():
        # single_metric (its own dimension per reason) does not honour POWERTOOLS_METRICS_DISABLED
        with single_metric(name="ArticlesRejected", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="reason", value=str(event.data.reason))


def _prepare(change: ObjectChange) -> PreparedChange:
    logger.append_keys(object_key=change.source.key, change=change.kind)
    started = time.perf_counter()
    prepared = _service().prepare(change)
    if change.kind is ChangeKind.CREATED:
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="ParseLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    return prepared


def _announce(change: ObjectChange, prepared: PreparedChange) -> list[dict[str, str]]:
    """Publish a stored change's events: the unit of idempotency, keyed on `change` alone."""
    logger.append_keys(object_key=change.source.key, change=change.kind)
    events = _service().publish(prepared)
    if not events:
        logger.info("object gone before it was read")
    for event in events:
        _record_metrics(event)
        if isinstance(event, ArticleParsedEvent):
            logger.set_correlation_id(event.data.article_id)
        logger.info("event published", event_type=event.type, subject=event.subject)
    return [{"type": str(event.type), "id": event.id} for event in events]


@lru_cache(maxsize=1)
def _announcer() -> Any:
    """`_announce`, made idempotent when an idempotency table is configured."""
    table = ingest_settings().idempotency_table_name
    if not table:
        return _announce
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
    return idempotent_function(
        data_keyword_argument="change", persistence_store=persistence, config=idempotency_config
    )(_announce)


def prepare_message(payload: Any) -> list[PreparedChange]:
    """Read and analyse the changes of one S3 message (notification, TestEvent or EventBridge event)."""
    return [_prepare(change) for change in changes_in(parse_s3_message(payload))]


def announce(prepared: list[PreparedChange]) -> list[list[dict[str, str]]]:
    """Publish each stored change's events, once per change."""
    announcer = _announcer()
    return [announcer(change=item.change, prepared=item) for item in prepared]


def process_message(payload: Any) -> list[list[dict[str, str]]]:
    """Handle one S3 message on its own (the direct S3 and EventBridge wirings)."""
    prepared = prepare_message(payload)
    _service().store(prepared)
    return announce(prepared)


class SqsBatch:
    """One SQS batch's prepared changes, by message: the record handlers of the first and last steps."""

    def __init__(self, context: LambdaContext) -> None:
        self.prepared: dict[str, list[PreparedChange]] = {}
        self._context = context
        self._started = 0

    @tracer.capture_method
    def prepare(self, record: SQSRecord) -> int:
        """Step one: the record's body is what S3 or EventBridge delivered."""
        remaining_ms = self._context.get_remaining_time_in_millis()
        if self._started and remaining_ms < MIN_REMAINING_MS_TO_PREPARE:
            metrics.add_metric(name="RecordsDeferred", unit=MetricUnit.Count, value=1)
            raise DeferredForTime(f"{remaining_ms} ms left of the invocation: retried in a later one")
        self._started += 1
        self.prepared[record.message_id] = prepare_message(record.json_body)
        return len(self.prepared[record.message_id])

    @tracer.capture_method
    def store(self) -> None:
        """Step two: one object for the articles of every record prepared."""
        _service().store([item for items in self.prepared.values() for item in items])

    @tracer.capture_method
    def announce(self, record: SQSRecord) -> list[list[dict[str, str]]]:
        """Step three, per record."""
        return announce(self.prepared[record.message_id])

    def handle(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        with prepare_processor(event["Records"], self.prepare, context):
            prepare_processor.process()
        failed = list(prepare_processor.response()["batchItemFailures"])
        prepared_records = [record for record in event["Records"] if record["messageId"] in self.prepared]
        self.store()
        with announce_processor(prepared_records, self.announce, context):
            announce_processor.process()
        failed.extend(announce_processor.response()["batchItemFailures"])
        return {"batchItemFailures": failed}


LAMBDA_INIT_TYPES = frozenset({"on-demand", "provisioned-concurrency", "snap-start"})
"""AWS_LAMBDA_INITIALIZATION_TYPE values: set only inside Lambda, where init is the time to load
the model (before a SnapStart snapshot, or during the free-of-charge-feeling init phase), never
in tests or tools that merely import this module."""


def warm_up() -> None:
    """Build the service and run the NLP once so the first article pays no loading cost."""
    service = _service()
    service._analyse("NATO met in Brussels.", title=None)


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in LAMBDA_INIT_TYPES:
    warm_up()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the three wirings: an SQS batch, an S3 notification, an EventBridge event."""
    idempotency_config.register_lambda_context(context)
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:sqs":
        return SqsBatch(context).handle(event, context)
    results = process_message(event)
    return {"processed": len(results)}

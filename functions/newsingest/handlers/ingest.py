"""Lambda adapter of the ingest stage: S3 changes (via SQS, directly, or via EventBridge) -> events.

Configured as `newsingest.handlers.ingest.handler`. SQS batches report partial failures: a record
whose object could not be processed for a transient reason goes back to the queue alone, and
after five receives to the DLQ. Bad articles are not failures: they become `ArticleRejected`.

Each record sends its own events (one SendMessageBatch for the object's articles) before its
idempotency record is completed. Sending a whole batch's events together would save ~0.9 SQS
requests per article ($0.36 per million), but a record completed before its events left would
lose them if the invocation died before the send, unless its events were kept in the idempotency
record: ~6 KB, five more write units per article ($3.10 per million).
"""

from __future__ import annotations

import os
import time
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
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
from newsingest.ingest import IngestEvent, IngestService
from newsingest.observability import logger, metrics, tracer
from newsingest.settings import ingest_settings
from newsingest.triggers import ChangeKind, ObjectChange, changes_in, parse_s3_message

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
"""SQS redelivers within the visibility timeout (minutes) and retries for at most five receives:
a day covers every redelivery of one event with a wide margin."""

IDEMPOTENCY_KEY = "[kind, source.bucket, source.key, source.version_id || source.etag]"
"""One object version is processed once, whichever trigger or duplicate delivery reports it."""

processor = BatchProcessor(event_type=EventType.SQS)
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
        parse=parse_articles,
        analyse=analyse_text,
    )


def _record_metrics(event: IngestEvent) -> None:
    if isinstance(event, ArticleParsedEvent):
        metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="EntitiesExtracted", unit=MetricUnit.Count, value=len(event.data.entities))
    elif isinstance(event, ArticleRejectedEvent) and not is_metrics_disabled():
        # single_metric (its own dimension per reason) does not honour POWERTOOLS_METRICS_DISABLED
        with single_metric(name="ArticlesRejected", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="reason", value=str(event.data.reason))


def _process_change(change: ObjectChange) -> list[dict[str, str]]:
    logger.append_keys(object_key=change.source.key, change=change.kind)
    started = time.perf_counter()
    events = _service().handle(change)
    if change.kind is ChangeKind.CREATED:
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="ParseLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if not events:
        logger.info("object gone before it was read")
    for event in events:
        _record_metrics(event)
        if isinstance(event, ArticleParsedEvent):
            logger.set_correlation_id(event.data.article_id)
        logger.info("event published", event_type=event.type, subject=event.subject)
    return [{"type": str(event.type), "id": event.id} for event in events]


@lru_cache(maxsize=1)
def _change_processor() -> Any:
    """`_process_change`, made idempotent when an idempotency table is configured."""
    table = ingest_settings().idempotency_table_name
    if not table:
        return _process_change
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
    return idempotent_function(
        data_keyword_argument="change", persistence_store=persistence, config=idempotency_config
    )(_process_change)


def process_message(payload: Any) -> list[list[dict[str, str]]]:
    """Handle one S3 message (notification, TestEvent or EventBridge event)."""
    message = parse_s3_message(payload)
    process = _change_processor()
    return [process(change=change) for change in changes_in(message)]


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


@tracer.capture_method
def record_handler(record: SQSRecord) -> list[list[dict[str, str]]]:
    """One SQS record: its body is what S3 or EventBridge delivered."""
    return process_message(record.json_body)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the three wirings: an SQS batch, an S3 notification, an EventBridge event."""
    idempotency_config.register_lambda_context(context)
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:sqs":
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)
    results = process_message(event)
    return {"processed": len(results)}

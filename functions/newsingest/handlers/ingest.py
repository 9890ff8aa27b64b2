"""Lambda adapter of the ingest stage: S3 changes (via SQS, directly, or via EventBridge) -> events.

Configured as `newsingest.handlers.ingest.handler`. SQS batches report partial failures: a record
whose object could not be processed for a transient reason goes back to the queue alone, and
after five receives to the DLQ. Bad articles are not failures: they become `ArticleRejected`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
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
from newsingest.triggers import ObjectChange, changes_in, parse_s3_message

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
    from newsingest.entities import extract_entities
    from newsingest.parsing import parse_article

    settings = ingest_settings()
    return IngestService(
        store=S3ObjectStore(client("s3")),
        publisher=SqsEventPublisher(client("sqs"), settings.index_queue_url),
        parsed_bucket=settings.parsed_bucket,
        max_object_bytes=settings.max_object_bytes,
        parse=parse_article,
        extract=extract_entities,
    )


def _record_metrics(event: IngestEvent | None) -> None:
    if isinstance(event, ArticleParsedEvent):
        metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="EntitiesExtracted", unit=MetricUnit.Count, value=len(event.data.entities))
    elif isinstance(event, ArticleRejectedEvent):
        metrics.add_metric(name=f"ArticlesRejected_{event.data.reason}", unit=MetricUnit.Count, value=1)


def _process_change(change: ObjectChange) -> dict[str, Any] | None:
    logger.append_keys(object_key=change.source.key, change=change.kind)
    event = _service().handle(change)
    _record_metrics(event)
    if event is None:
        logger.info("object gone before it was read")
        return None
    logger.info("event published", event_type=event.type, subject=event.subject)
    return {"type": str(event.type), "id": event.id}


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


def process_message(payload: Any) -> list[dict[str, Any] | None]:
    """Handle one S3 message (notification, TestEvent or EventBridge event)."""
    message = parse_s3_message(payload)
    process = _change_processor()
    return [process(change=change) for change in changes_in(message)]


@tracer.capture_method
def record_handler(record: SQSRecord) -> list[dict[str, Any] | None]:
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

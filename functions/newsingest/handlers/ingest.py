"""Lambda adapter of the ingest stage: wires S3, SQS, Powertools and `IngestService` together.

Configured as `newsingest.handlers.ingest.handler`, for the three wirings S3 offers: notifications
through SQS (the template's, with partial batch responses), straight to Lambda, or through
EventBridge. The flow itself (and every rule about retries) is `IngestService.process_batch`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsingest.adapters.aws import client
from newsingest.adapters.s3 import S3ObjectStore
from newsingest.adapters.sqs import SqsEventPublisher
from newsingest.ingest import (
    IngestEvent,
    IngestService,
    Once,
    QueuedMessage,
    announce_every_time,
)
from newsingest.observability import IngestReports, logger, metrics, tracer
from newsingest.settings import ingest_settings
from newsingest.singletons import process_singleton
from newsingest.triggers import ObjectChange

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
"""A day: SQS redelivers within minutes, five receives at most."""

IDEMPOTENCY_KEY = "[kind, source.bucket, source.key, source.version_id || source.etag, source.sequencer, replay]"
"""One change is announced once, whichever trigger or duplicate delivery reports it. The sequencer
(S3's, the same in every delivery of one event) tells apart changes with no version: two delete
markers on one key within the day had one key, and the second delete was never announced. A
replay (backfill, reconcile --fix) is processed once per run, however often it is delivered."""

idempotency_config = IdempotencyConfig(
    event_key_jmespath=IDEMPOTENCY_KEY, expires_after_seconds=IDEMPOTENCY_TTL_SECONDS
)


@process_singleton
def service() -> IngestService:
    settings = ingest_settings()
    return IngestService.wired(
        store=S3ObjectStore(client("s3")),
        publisher=SqsEventPublisher(client("sqs"), settings.index_queue_url),
        parsed_bucket=settings.parsed_bucket,
        max_object_bytes=settings.max_object_bytes,
        max_text_chars=settings.max_text_chars,
        observer=IngestReports(),
    )


@process_singleton
def once() -> Once:
    """Powertools Idempotency around an announcement, when an idempotency table is configured."""
    table = ingest_settings().idempotency_table_name
    if not table:
        return announce_every_time
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))

    @idempotent_function(data_keyword_argument="change", persistence_store=persistence, config=idempotency_config)  # type: ignore[untyped-decorator]
    def announce_once(change: ObjectChange, announce: Callable[[], list[IngestEvent]]) -> list[dict[str, str]]:
        return [{"type": str(event.type), "id": event.id} for event in announce()]

    return lambda change, announce: announce_once(change=change, announce=announce)


LAMBDA_INIT_TYPES = frozenset({"on-demand", "provisioned-concurrency", "snap-start"})
"""Set only inside Lambda: the model loads at init there (before a SnapStart snapshot), never on import elsewhere."""

if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in LAMBDA_INIT_TYPES:
    service().warm_up()


class MessagesFailed(RuntimeError):
    """A direct (non-SQS) invocation whose message failed: Lambda's own retry takes it again."""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point for the three wirings: an SQS batch, an S3 notification, an EventBridge event."""
    idempotency_config.register_lambda_context(context)
    records = event.get("Records") or []
    from_sqs = bool(records) and records[0].get("eventSource") == "aws:sqs"
    messages = (
        [QueuedMessage(record["messageId"], record["body"]) for record in records]
        if from_sqs
        else [QueuedMessage("direct", event)]
    )
    failed = service().process_batch(messages, remaining_ms=context.get_remaining_time_in_millis, once=once())
    if from_sqs:
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    if failed:
        raise MessagesFailed("the S3 message could not be processed; see the log above")
    return {"processed": len(messages)}

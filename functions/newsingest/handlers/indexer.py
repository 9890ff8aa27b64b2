"""Lambda handler of the index stage: CloudEvents from the index queue -> DynamoDB. A record that
fails validation or indexing fails alone (partial batch response) and reaches the DLQ after five
receives; the rest of the batch is kept. The entities a removal leaves go back to the same queue as
`EntitiesReleased` events, a few each, so a removal stays short and each few retry alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Json

from newsingest.adapters.aws import client
from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.sqs import SqsEventPublisher
from newsingest.crashpoints import Boundary, reached
from newsingest.events import IndexEvent, entities_released_events
from newsingest.indexing.service import Indexer, Outcome
from newsingest.observability import logger, metrics, tracer
from newsingest.settings import indexer_settings
from newsingest.singletons import process_singleton


class IndexQueueRecord(SqsRecordModel):
    body: Json[IndexEvent]


processor = BatchProcessor(event_type=EventType.SQS, model=IndexQueueRecord)

AppliedListener = Callable[[IndexEvent, Outcome], None]
applied_listeners: list[AppliedListener] = []
"""Told of each event applied and what it did. None in Lambda; `newsingest local up` prints a line
for each article indexed, rejected or deleted."""


@process_singleton
def _indexer() -> Indexer:
    settings = indexer_settings()
    queue = SqsEventPublisher(client("sqs"), settings.index_queue_url)

    def release(article_id: str, entity_ids: list[str]) -> None:
        queue.publish(entities_released_events(article_id, entity_ids, released_at=datetime.now(UTC)))

    return Indexer(
        DynamoIndex(client("dynamodb"), settings.table_name),
        settings.index_entities,
        story_window=timedelta(days=settings.story_window_days),
        release=release,
    )


@tracer.capture_method
def record_handler(record: IndexQueueRecord) -> str:
    reached(Boundary.INDEX_BETWEEN_RECORDS)
    event = record.body
    logger.append_keys(event_id=event.id, event_type=event.type, subject=event.subject)
    logger.set_correlation_id(getattr(event.data, "article_id", None))
    outcome = _indexer().apply(event)
    metrics.add_metric(name="IndexWrites", unit=MetricUnit.Count, value=1)
    if outcome is Outcome.INDEXED:
        metrics.add_metric(name="ArticlesIndexed", unit=MetricUnit.Count, value=1)
    logger.info("event applied", outcome=outcome)
    for listener in applied_listeners:
        listener(event, outcome)
    return str(outcome)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)

"""Logger, Tracer and Metrics, created once per process and shared by every handler, and what the
ingest flow reports through them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from newsingest.events import ArticleParsedEvent, ArticleRejectedEvent

if TYPE_CHECKING:
    from newsingest.ingest import IngestEvent
    from newsingest.models import SourceRef
    from newsingest.triggers import ObjectChange

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class IngestReports:
    """The ingest flow's reports (`IngestObserver`) as Powertools logs and metrics."""

    def prepared(self, change: ObjectChange, elapsed_ms: float) -> None:
        metrics.add_metric(name="ParseLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)

    def parse_failed(self, source: SourceRef, error: Exception) -> None:
        logger.exception(
            "parse failed: object rejected as parse_error",
            extra={"object_key": source.key, "error_type": type(error).__name__},
            exc_info=error,
        )
        metrics.add_metric(name="ParseErrors", unit=MetricUnit.Count, value=1)

    def deferred(self, message_id: str, remaining_ms: int) -> None:
        logger.info(
            "message left for a later invocation", extra={"message_id": message_id, "remaining_ms": remaining_ms}
        )
        metrics.add_metric(name="RecordsDeferred", unit=MetricUnit.Count, value=1)

    def message_failed(self, message_id: str, error: Exception) -> None:
        logger.exception("message failed: delivered again", extra={"message_id": message_id}, exc_info=error)

    def announced(self, change: ObjectChange, events: Sequence[IngestEvent]) -> None:
        if not events:
            logger.info("object gone before it was read", extra={"object_key": change.source.key})
        for event in events:
            if isinstance(event, ArticleParsedEvent):
                logger.set_correlation_id(event.data.article_id)
                metrics.add_metric(name="ArticlesParsed", unit=MetricUnit.Count, value=1)
                metrics.add_metric(name="EntitiesExtracted", unit=MetricUnit.Count, value=len(event.data.entities))
            elif isinstance(event, ArticleRejectedEvent) and not is_metrics_disabled():
                # single_metric (its own dimension per reason) does not honour POWERTOOLS_METRICS_DISABLED
                with single_metric(name="ArticlesRejected", unit=MetricUnit.Count, value=1) as metric:
                    metric.add_dimension(name="reason", value=str(event.data.reason))
            logger.info(
                "event published",
                extra={"object_key": change.source.key, "event_type": event.type, "subject": event.subject},
            )

"""Lambda handler of the scheduled reconcile (template: ReconcileFunction, opt-in with
ReconcileSchedule): compares the bucket with the index as `newsingest reconcile` does, logs what it
found, emits `DriftFound` (the alarm's metric) and, with RECONCILE_FIX, sends each finding through
the pipeline. Changes younger than RECONCILE_GRACE_SECONDS (900) are in flight, not drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsingest.adapters.aws import client
from newsingest.adapters.ops import DynamoIndexScan, S3Listing, SqsSender
from newsingest.observability import logger, metrics, tracer
from newsingest.ops.reconcile import fix, reconcile
from newsingest.settings import reconcile_settings

FINDINGS_LOGGED = 100
"""Findings written to the log in full; the counts cover all (one log line stays readable)."""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = reconcile_settings()
    now = datetime.now(UTC)
    report = reconcile(
        S3Listing(client("s3"), settings.bucket),
        DynamoIndexScan(client("dynamodb"), settings.table_name),
        settled_before=now - timedelta(seconds=settings.grace_seconds) if settings.grace_seconds else None,
        now=now,
    )
    metrics.add_metric(name="DriftFound", unit=MetricUnit.Count, value=len(report.findings))
    summary: dict[str, Any] = {"agrees": report.agrees, "counts": report.counts(), "in_flight": report.in_flight}
    if report.agrees:
        logger.info("the index agrees with the bucket", **summary)
        return summary
    logger.warning(
        "drift found", **summary, findings=[finding.to_json() for finding in report.findings[:FINDINGS_LOGGED]]
    )
    if settings.fix:
        fixed = fix(
            report,
            ingest=SqsSender(client("sqs"), settings.ingest_queue_url),
            index=SqsSender(client("sqs"), settings.index_queue_url),
        )
        summary["fix"] = {"replays": fixed.replays, "stray_events": fixed.stray_events, "run_id": fixed.run_id}
        logger.info("fixes sent", **summary["fix"])
    return summary

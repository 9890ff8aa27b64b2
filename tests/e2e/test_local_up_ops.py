"""The operator's commands against `newsingest local up`, as a person runs them with --endpoint-url:
objects put in the bucket while it notified nothing are backfilled and indexed, reconcile then
finds the index agrees with the bucket, and a poison message is shown and redriven by moving it
message by message (the moto server has no message-move task)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.cli import main
from newsingest.local.up import LocalEndpoints, local_stack

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
ARTICLES = ("riverton-flood-budget.txt", "baltic-shipwreck-wrapped.txt", "lakeside-ferry-us-local.txt")
IDLE_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="module")
def endpoints() -> Iterator[LocalEndpoints]:
    with local_stack(aws_port=0, api_port=0) as running:
        yield running


def client(endpoints: LocalEndpoints, service: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client(service, endpoint_url=endpoints.aws)


def wait_until_idle(sqs: Any, queues: list[str]) -> None:
    """Both pipeline queues empty (visible and in flight) on three polls in a row."""
    deadline, quiet = time.monotonic() + IDLE_TIMEOUT_SECONDS, 0
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while quiet < 3:
        assert time.monotonic() < deadline, "the pipeline did not drain in time"
        pending = sum(
            int(value)
            for url in queues
            for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
        )
        quiet = quiet + 1 if pending == 0 else 0
        time.sleep(0.2)


def test_backfill_reconcile_and_dead_letters_through_local_up(
    endpoints: LocalEndpoints, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3, sqs = client(endpoints, "s3"), client(endpoints, "sqs")
    queues = [sqs.get_queue_url(QueueName=f"newsingest-{name}")["QueueUrl"] for name in ("ingest", "index")]
    local = ["--stack", "newsingest", "--endpoint-url", endpoints.aws]
    # Given articles put in the bucket while it notified nothing
    wiring = s3.get_bucket_notification_configuration(Bucket=endpoints.bucket)
    wiring.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=endpoints.bucket, NotificationConfiguration={})
    for name in ARTICLES:
        s3.put_object(Bucket=endpoints.bucket, Key=f"incoming/{name}", Body=(FIXTURES / name).read_bytes())
    s3.put_bucket_notification_configuration(Bucket=endpoints.bucket, NotificationConfiguration=wiring)
    wait_until_idle(sqs, queues)
    assert main(["reconcile", *local, "--grace", "0"]) == 1
    assert "3 lost" in capsys.readouterr().out
    # When they are backfilled
    assert main(["backfill", *local, "--state-file", str(tmp_path / "state.json"), "--rate", "100"]) == 0
    wait_until_idle(sqs, queues)
    # Then reconcile finds the index agrees with the bucket
    assert main(["reconcile", *local, "--grace", "0"]) == 0
    assert "the index agrees with the bucket" in capsys.readouterr().out
    # When a poison message fails five times into the ingest DLQ
    sqs.send_message(QueueUrl=queues[0], MessageBody="poison")
    wait_until_idle(sqs, queues)
    # Then dlq show names it, and redrive moves it back one by one
    assert main(["dlq", "show", *local]) == 1
    assert "ingest DLQ: 1 × unparseable (not JSON" in capsys.readouterr().out
    assert main(["dlq", "redrive", *local, "--queue", "ingest"]) == 0
    err = capsys.readouterr().err
    assert "no message-move task: moving messages one by one" in err and "1 moved back" in err

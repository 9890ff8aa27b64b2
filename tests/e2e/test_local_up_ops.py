"""The operator's commands against `newsingest local up`, as a person runs them with --endpoint-url:
objects put in the bucket while it notified nothing are backfilled and indexed, reconcile then
finds the index agrees with the bucket, and a poison message is shown and redriven by moving it
message by message (the moto server has no message-move task)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsingest.cli import main
from newsingest.local.up import LocalEndpoints

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
ARTICLES = ("riverton-flood-budget.txt", "baltic-shipwreck-wrapped.txt", "lakeside-ferry-us-local.txt")


def test_backfill_reconcile_and_dead_letters_through_local_up(
    endpoints: LocalEndpoints,
    local_aws: Callable[[str], Any],
    pipeline_queues: list[str],
    wait_until_idle: Callable[[], None],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s3, sqs = local_aws("s3"), local_aws("sqs")
    local = ["--stack", "newsingest", "--endpoint-url", endpoints.aws]
    # Given articles put in the bucket while it notified nothing
    wiring = s3.get_bucket_notification_configuration(Bucket=endpoints.bucket)
    wiring.pop("ResponseMetadata", None)
    s3.put_bucket_notification_configuration(Bucket=endpoints.bucket, NotificationConfiguration={})
    for name in ARTICLES:
        s3.put_object(Bucket=endpoints.bucket, Key=f"incoming/{name}", Body=(FIXTURES / name).read_bytes())
    s3.put_bucket_notification_configuration(Bucket=endpoints.bucket, NotificationConfiguration=wiring)
    wait_until_idle()
    assert main(["reconcile", *local, "--grace", "0"]) == 1
    assert "3 lost" in capsys.readouterr().out
    # When they are backfilled
    assert main(["backfill", *local, "--state-file", str(tmp_path / "state.json"), "--rate", "100"]) == 0
    wait_until_idle()
    # Then reconcile finds the index agrees with the bucket
    assert main(["reconcile", *local, "--grace", "0"]) == 0
    assert "the index agrees with the bucket" in capsys.readouterr().out
    # When a poison message fails five times into the ingest DLQ
    sqs.send_message(QueueUrl=pipeline_queues[0], MessageBody="poison")
    wait_until_idle()
    # Then dlq show names it, and redrive moves it back one by one
    assert main(["dlq", "show", *local]) == 1
    assert "ingest DLQ: 1 × unparseable (not JSON" in capsys.readouterr().out
    assert main(["dlq", "redrive", *local, "--queue", "ingest"]) == 0
    err = capsys.readouterr().err
    assert "no message-move task: moving messages one by one" in err and "1 moved back" in err

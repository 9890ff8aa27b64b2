"""`newsingest dlq` against moto: `show` groups each dead-letter queue's messages by cause without
consuming them; `redrive` moves them back (one by one on moto, which has no message-move task),
and an interruption between sending and deleting duplicates one message, which the pipeline absorbs."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.config import Config

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.ops import SqsDeadLetterQueue
from newsingest.cli import main
from newsingest.events import article_deleted_event
from newsingest.models import SourceRef
from newsingest.ops.dlq import redrive
from newsingest.ops.messages import StoredObject, object_created_message


def depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def s3_notification(bucket: str, key: str, body_version: str | None = None) -> str:
    """The notification S3 sends for an upload (as a tool builds it, without the replay mark)."""
    obj = StoredObject(key=key, size=10, etag="e", version_id=body_version, last_modified=datetime.now(UTC))
    message = json.loads(object_created_message(bucket, obj, run_id="x"))
    message["Records"][0]["s3"]["configurationId"] = "IngestQueueConfiguration"
    return json.dumps(message)


def test_show_groups_dead_letters_by_cause_and_consumes_nothing(
    pipeline: Any, clients: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a poison message and a notification for a bucket ingest cannot read, both failed five
    # times into the ingest DLQ, and an event and garbage in the index DLQ
    sqs, stack = clients["sqs"], pipeline.stack
    pipeline.run()
    sqs.send_message(QueueUrl=stack.ingest_queue_url, MessageBody='{"hello": "world"}')
    sqs.send_message(QueueUrl=stack.ingest_queue_url, MessageBody=s3_notification("no-such-bucket", "incoming/x y.txt"))
    pipeline.run()
    deleted = article_deleted_event(
        SourceRef(bucket=stack.bucket, key="incoming/gone.txt"), received_at=datetime.now(UTC)
    )
    sqs.send_message(QueueUrl=stack.index_dlq_url, MessageBody=deleted.model_dump_json())
    sqs.send_message(QueueUrl=stack.index_dlq_url, MessageBody="not json")
    assert (depth(sqs, stack.ingest_dlq_url), depth(sqs, stack.index_dlq_url)) == (2, 2)
    # When they are shown, twice
    assert main(["dlq", "show", "--stack", "newsingest"]) == 1
    first = capsys.readouterr().out
    assert main(["dlq", "show", "--stack", "newsingest", "--json"]) == 1
    shown = json.loads(capsys.readouterr().out)
    # Then each is named by what it is and the key it is about, with the receives before the look
    assert "ingest DLQ: 1 × S3 created incoming/x y.txt; receives: 1 × 5" in first
    assert "index DLQ: 1 × ArticleDeleted incoming/gone.txt; receives: 1 × 0" in first
    assert "ingest DLQ: 1 × unparseable" in first and "index DLQ: 1 × unparseable (not JSON" in first
    assert sorted((group["queue"], group["kind"], group["key"]) for group in shown) == [
        ("index DLQ", "ArticleDeleted", "incoming/gone.txt"),
        ("index DLQ", "unparseable", None),
        ("ingest DLQ", "S3 created", "incoming/x y.txt"),
        ("ingest DLQ", "unparseable", None),
    ]
    # and nothing was consumed
    assert (depth(sqs, stack.ingest_dlq_url), depth(sqs, stack.index_dlq_url)) == (2, 2)


def test_show_says_when_the_queues_are_empty(pipeline: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dlq", "show", "--stack", "newsingest"]) == 0
    assert capsys.readouterr().out.strip() == "The dead-letter queues are empty."


def test_redrive_moves_dead_letters_back_and_the_pipeline_indexes_them(
    pipeline: Any, clients: dict[str, Any], kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the notifications of three uploads that reached the ingest DLQ (an outage, since fixed)
    s3, sqs, stack = clients["s3"], clients["sqs"], pipeline.stack
    keys = [f"incoming/{n}.txt" for n in range(3)]
    with kit.unwired(s3, stack.bucket):
        versions = [
            s3.put_object(Bucket=stack.bucket, Key=key, Body=kit.story("ports", n))["VersionId"]
            for n, key in enumerate(keys)
        ]
    pipeline.run()
    for key, version in zip(keys, versions, strict=True):
        sqs.send_message(QueueUrl=stack.ingest_dlq_url, MessageBody=s3_notification(stack.bucket, key, version))
    # When they are redriven (moto has no message-move task) and the pipeline runs
    assert main(["dlq", "redrive", "--stack", "newsingest", "--queue", "ingest"]) == 0
    err = capsys.readouterr().err
    assert "no message-move task: moving messages one by one" in err and "3 moved back" in err
    assert depth(sqs, stack.ingest_dlq_url) == 0
    pipeline.run()
    # Then every object is indexed
    index = DynamoIndex(clients["dynamodb"], stack.table_name)
    for key, version in zip(keys, versions, strict=True):
        source = index.get_source(stack.bucket, key)
        assert source is not None and source.version_id == version and source.article_id is not None


class DiesBeforeDeleting(SqsDeadLetterQueue):
    """The real queue; the process dies after sending its `dies_at`-th message back, before deleting it."""

    def __init__(self, client: Any, dlq_url: str, source_url: str, dies_at: int) -> None:
        super().__init__(client, dlq_url, source_url)
        self.sent = 0
        self.dies_at = dies_at

    def delete(self, message: Any) -> None:
        if self.sent == self.dies_at:
            raise KeyboardInterrupt("killed between send and delete")
        super().delete(message)

    def send_to_source(self, message: Any) -> None:
        super().send_to_source(message)
        self.sent += 1


def test_an_interrupted_redrive_loses_nothing_and_duplicates_one_message_which_the_pipeline_absorbs(
    pipeline: Any, clients: dict[str, Any], kit: SimpleNamespace
) -> None:
    # Given four dead notifications of uploads
    s3, sqs, stack = clients["s3"], clients["sqs"], pipeline.stack
    keys = [f"incoming/{n}.txt" for n in range(4)]
    with kit.unwired(s3, stack.bucket):
        versions = [
            s3.put_object(Bucket=stack.bucket, Key=key, Body=kit.story("grain", n))["VersionId"]
            for n, key in enumerate(keys)
        ]
    pipeline.run()
    for key, version in zip(keys, versions, strict=True):
        sqs.send_message(QueueUrl=stack.ingest_dlq_url, MessageBody=s3_notification(stack.bucket, key, version))
    # When a redrive dies between sending its second message back and deleting it
    dying = DiesBeforeDeleting(sqs, stack.ingest_dlq_url, stack.ingest_queue_url, dies_at=2)
    with pytest.raises(KeyboardInterrupt):
        redrive(dying, "ingest DLQ", visibility_seconds=1)
    time.sleep(1.2)  # the message it held becomes visible again
    # and is run again to the end
    assert main(["dlq", "redrive", "--stack", "newsingest", "--queue", "ingest"]) == 0
    # Then the DLQ is empty, every message is back, one of them twice
    assert depth(sqs, stack.ingest_dlq_url) == 0
    back = kit.queued_keys(sqs, stack.ingest_queue_url, delete=False)
    assert sorted(set(back)) == keys and len(back) == len(keys) + 1
    # and the pipeline indexes each object once
    pipeline.run()
    index = DynamoIndex(clients["dynamodb"], stack.table_name)
    articles = {index.get_source(stack.bucket, key).article_id for key in keys}  # type: ignore[union-attr]
    assert len(articles) == 4 and all(len(index.get_article_sources(a or "")) == 1 for a in articles)
    assert depth(sqs, stack.index_dlq_url) == 0


def test_a_moto_server_has_no_message_move_task_and_redrive_knows_it() -> None:
    # Given SQS as `newsingest local up` serves it (a moto server), which answers the move task with a 500
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        sqs = boto3.session.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1").client(
            "sqs", endpoint_url=f"http://{host}:{port}", config=Config(retries={"max_attempts": 1})
        )
        dlq = sqs.create_queue(QueueName="d")["QueueUrl"]
        source = sqs.create_queue(QueueName="s")["QueueUrl"]
        # When a redrive asks for a move task
        handle = SqsDeadLetterQueue(sqs, dlq, source).start_move_task()
    finally:
        server.stop()
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()  # the server kept its queues in moto's in-process backends
    # Then it is told there is none, and moves one by one instead
    assert handle is None


def test_an_in_process_moto_has_no_message_move_task_either(pipeline: Any, clients: dict[str, Any]) -> None:
    stack = pipeline.stack
    assert SqsDeadLetterQueue(clients["sqs"], stack.index_dlq_url, stack.index_queue_url).start_move_task() is None


def test_help_explains_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("show", "redrive"):
        with pytest.raises(SystemExit):
            main(["dlq", command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "without consuming" in text or "nothing is consumed" in text
    assert "message-move task" in text and "--queue" in text

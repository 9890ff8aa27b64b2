"""The ingest handler against moto, fed the events moto really produces: URL-encoded keys, the
s3:TestEvent, deletes, EventBridge deliveries, poison records and duplicate deliveries."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from newsingest.events import INDEX_EVENT_ADAPTER, ArticleDeletedEvent, ArticleParsedEvent, ArticleRejectedEvent
from newsingest.handlers import ingest
from newsingest.ingest import MIN_REMAINING_MS_TO_PREPARE
from newsingest.local.esm import LocalContext, sqs_event

SAMPLE = Path(__file__).parents[1] / "fixtures" / "articles" / "belarus-russia-alliance.txt"


def published_events(sqs: Any, queue_url: str) -> list[Any]:
    """Everything the ingest function sent to the index queue (consumed)."""
    events = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        if not messages:
            return events
        for message in messages:
            events.append(INDEX_EVENT_ADAPTER.validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def read_parsed(s3: Any, event: ArticleParsedEvent) -> dict[str, Any]:
    """The article an event announces, read as a user would: a ranged GET of its line."""
    bucket, key = event.data.parsed_uri.removeprefix("s3://").split("/", 1)
    line = s3.get_object(Bucket=bucket, Key=key, Range=event.data.parsed_range)["Body"].read()
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def raw_messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Take the ingest queue's messages as S3 delivered them (and leave it empty)."""
    messages = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        if not response.get("Messages"):
            return messages
        for message in response["Messages"]:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_the_s3_test_event_is_skipped(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given the queue holds only what S3 sent when the notification was configured
    # When
    result = pipeline.ingest.run_once()
    # Then
    assert result is not None and (result.received, result.failed) == (1, 0)
    assert published_events(clients["sqs"], pipeline.stack.index_queue_url) == []


def test_an_upload_with_an_encoded_key_becomes_a_parsed_article_and_an_event(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    # Given a key that S3 URL-encodes in its notification
    key = "incoming/2022/03/belarus russia+alliance (v2).txt"
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key=key, Body=SAMPLE.read_bytes())
    # When
    pipeline.ingest.drain()
    # Then
    events = published_events(clients["sqs"], pipeline.stack.index_queue_url)
    assert len(events) == 1 and isinstance(events[0], ArticleParsedEvent)
    event = events[0]
    assert event.specversion == "1.0" and event.data.source.key == key
    assert event.data.title and event.data.title.startswith("Belarus-Russia")
    assert {entity.id for entity in event.data.entities} >= {"organization:nato", "location:belarus"}
    stored = read_parsed(clients["s3"], event)
    assert stored["id"] == event.data.article_id and "JUST IN" not in stored["text"]
    body = event.model_dump_json()
    assert "text" not in event.data.model_dump() and "landlocked eastern European nation" not in body


def test_a_batch_of_uploads_is_stored_as_one_object_whose_lines_the_events_locate(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    # Given three uploads (one a file of two records) waiting in the ingest queue
    s3, sqs = clients["s3"], clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    for name in ("one.txt", "two.txt"):
        s3.put_object(Bucket=pipeline.stack.bucket, Key=f"incoming/{name}", Body=SAMPLE.read_bytes() + name.encode())
    records = [
        {"title": f"Record {n}", "content": f"Record {n} says NATO met in Brussels on Monday. " * 20} for n in (1, 2)
    ]
    s3.put_object(Bucket=pipeline.stack.bucket, Key="incoming/feed.json", Body=json.dumps(records).encode())
    # When one invocation takes them all
    result = pipeline.ingest.run_once()
    # Then one object holds the four articles, one JSON document a line, under a day partition
    assert result is not None and (result.received, result.failed) == (3, 0)
    listing = s3.list_objects_v2(Bucket=pipeline.stack.bucket, Prefix="parsed/")["Contents"]
    assert len(listing) == 1 and re.fullmatch(r"parsed/dt=\d{4}-\d{2}-\d{2}/[0-9a-f]{32}\.ndjson", listing[0]["Key"])
    whole = s3.get_object(Bucket=pipeline.stack.bucket, Key=listing[0]["Key"])
    assert whole["ContentType"] == "application/x-ndjson"
    lines = whole["Body"].read().decode().splitlines()
    # And each event's range is exactly its article's line
    events = published_events(sqs, pipeline.stack.index_queue_url)
    assert len(events) == len(lines) == 4
    assert {event.data.article_id for event in events} == {json.loads(line)["id"] for line in lines}
    for event in events:
        assert read_parsed(s3, event)["id"] == event.data.article_id
    assert sorted(event.data.record_count for event in events) == [1, 1, 2, 2]


def test_a_batch_whose_articles_cannot_be_stored_announces_nothing_and_is_retried_whole(
    pipeline: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two uploads, and a parsed-output bucket that does not exist when the batch runs
    from newsingest.local.demo import reset_caches

    s3, sqs = clients["s3"], clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    for name in ("kept-1.txt", "kept-2.txt"):
        s3.put_object(Bucket=pipeline.stack.bucket, Key=f"incoming/{name}", Body=SAMPLE.read_bytes() + name.encode())
    monkeypatch.setenv("PARSED_BUCKET", "newsingest-no-such-bucket")
    reset_caches()
    # When
    result = pipeline.ingest.run_once()
    # Then both records fail and nothing was announced
    assert result is not None and (result.received, result.failed) == (2, 2)
    assert published_events(sqs, pipeline.stack.index_queue_url) == []
    # And once the bucket is right again, both are stored and announced
    monkeypatch.setenv("PARSED_BUCKET", pipeline.stack.bucket)
    reset_caches()
    pipeline.ingest.drain()
    events = published_events(sqs, pipeline.stack.index_queue_url)
    assert sorted(event.data.source.key for event in events) == ["incoming/kept-1.txt", "incoming/kept-2.txt"]
    assert all(read_parsed(s3, event)["id"] == event.data.article_id for event in events)


def test_a_poison_record_fails_alone(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given a batch holding a real notification and a message no S3 would send
    sqs = clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)  # drop the TestEvent
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key="incoming/a.txt", Body=SAMPLE.read_bytes())
    sqs.send_message(QueueUrl=pipeline.stack.ingest_queue_url, MessageBody='{"hello": "world"}')
    # When
    result = pipeline.ingest.run_once()
    # Then
    assert result is not None and (result.received, result.failed) == (2, 1)
    assert [type(e) for e in published_events(sqs, pipeline.stack.index_queue_url)] == [ArticleParsedEvent]


def test_a_parser_exception_rejects_the_object_as_parse_error_instead_of_retrying_it(
    pipeline: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a parser that raises on one upload (lxml's "too many bodies" assertion once did on real
    # pages) beside an upload it parses
    import newsingest.parsing

    real_parse = newsingest.parsing.parse_articles

    def parse(data: bytes, **kwargs: Any) -> Any:
        if kwargs["key"].endswith("crash.html"):
            raise AssertionError("too many bodies")
        return real_parse(data, **kwargs)

    monkeypatch.setattr(newsingest.parsing, "parse_articles", parse)
    ingest.service.cache_clear()  # type: ignore[attr-defined]
    sqs, s3 = clients["sqs"], clients["s3"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    s3.put_object(Bucket=pipeline.stack.bucket, Key="incoming/crash.html", Body=b"<title>never closed")
    s3.put_object(Bucket=pipeline.stack.bucket, Key="incoming/fine.txt", Body=SAMPLE.read_bytes())
    # When one invocation takes both
    result = pipeline.ingest.run_once()
    # Then no record fails (nothing is retried towards the DLQ): the crash is a rejection on record
    assert result is not None and (result.received, result.failed) == (2, 0)
    events = {event.data.source.key: event for event in published_events(sqs, pipeline.stack.index_queue_url)}
    rejected = events["incoming/crash.html"]
    assert isinstance(rejected, ArticleRejectedEvent) and rejected.data.reason == "parse_error"
    assert rejected.data.message == "AssertionError: too many bodies"
    assert isinstance(events["incoming/fine.txt"], ArticleParsedEvent)
    # And the failure is logged with its type and traceback
    logged = [record for record in caplog.records if record.getMessage().startswith("parse failed")]
    assert len(logged) == 1 and logged[0].levelname == "ERROR" and logged[0].error_type == "AssertionError"  # type: ignore[attr-defined]
    assert logged[0].exc_info is not None and "too many bodies" in str(logged[0].exc_info[1])


def test_records_not_started_in_time_are_left_to_a_later_invocation(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given three uploads, delivered in one batch to an invocation with less time left than one
    # more record needs (the first record is always prepared)
    s3, sqs = clients["s3"], clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    for name in ("a.txt", "b.txt", "c.txt"):
        s3.put_object(Bucket=pipeline.stack.bucket, Key=f"incoming/{name}", Body=SAMPLE.read_bytes() + name.encode())
    messages = sqs.receive_message(QueueUrl=pipeline.stack.ingest_queue_url, MaxNumberOfMessages=10)["Messages"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=pipeline.stack.ingest_queue_url, AttributeNames=["QueueArn"])
    event = sqs_event(messages, queue_arn["Attributes"]["QueueArn"], "us-east-1")
    short_of_time = LocalContext(function_name="ingest", timeout_seconds=MIN_REMAINING_MS_TO_PREPARE // 2000)

    # When
    response = ingest.handler(event, short_of_time)

    # Then the first is announced and the other two are reported failed, to be delivered again
    assert len(messages) == 3
    failed = {failure["itemIdentifier"] for failure in response["batchItemFailures"]}
    assert failed == {message["MessageId"] for message in messages[1:]}
    [announced] = published_events(sqs, pipeline.stack.index_queue_url)
    first_key = unquote_plus(json.loads(messages[0]["Body"])["Records"][0]["s3"]["object"]["key"])
    assert isinstance(announced, ArticleParsedEvent) and announced.data.source.key == first_key


def test_the_same_notification_twice_is_processed_once(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given S3 delivered the same notification twice (at-least-once delivery)
    sqs = clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key="incoming/twice.txt", Body=SAMPLE.read_bytes())
    [notification] = raw_messages(sqs, pipeline.stack.ingest_queue_url)
    for _ in range(2):
        sqs.send_message(QueueUrl=pipeline.stack.ingest_queue_url, MessageBody=json.dumps(notification))
    # When
    pipeline.ingest.drain()
    # Then: one event; the idempotency record short-circuits the duplicate
    assert len(published_events(sqs, pipeline.stack.index_queue_url)) == 1


@pytest.mark.parametrize(
    ("key", "body", "reason"),
    [
        ("incoming/empty.txt", b"", "empty"),
        ("incoming/picture.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "unsupported_type"),
        ("incoming/broken.json", b'{"title": "cut off', "invalid_json"),
    ],
)
def test_bad_input_is_rejected_with_a_reason_and_the_original_is_untouched(
    pipeline: Any, clients: dict[str, Any], key: str, body: bytes, reason: str
) -> None:
    # Given
    s3 = clients["s3"]
    put = s3.put_object(Bucket=pipeline.stack.bucket, Key=key, Body=body)
    # When
    results = pipeline.ingest.drain()
    # Then
    assert sum(result.failed for result in results) == 0
    [event] = published_events(clients["sqs"], pipeline.stack.index_queue_url)
    assert isinstance(event, ArticleRejectedEvent)
    assert event.data.reason == reason and event.data.message
    head = s3.head_object(Bucket=pipeline.stack.bucket, Key=key)
    assert head["ETag"] == put["ETag"] and head["ContentLength"] == len(body)


def test_the_stored_content_encoding_decides_how_the_object_is_read(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given the sample stored gzipped with 'Content-Encoding: gzip', and zlib-compressed bytes stored
    # with 'Content-Encoding: br', a compression parsing cannot undo
    s3 = clients["s3"]
    bucket = pipeline.stack.bucket
    s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=gzip.compress(SAMPLE.read_bytes()), ContentEncoding="gzip")
    s3.put_object(Bucket=bucket, Key="incoming/b.txt", Body=zlib.compress(SAMPLE.read_bytes()), ContentEncoding="br")

    # When
    pipeline.ingest.drain()

    # Then the first is parsed and the second rejected for its encoding, not read as noise
    published = published_events(clients["sqs"], pipeline.stack.index_queue_url)
    events = {event.data.source.key: event for event in published}
    assert isinstance(events["incoming/a.txt"], ArticleParsedEvent)
    rejected = events["incoming/b.txt"]
    assert isinstance(rejected, ArticleRejectedEvent) and rejected.data.reason == "unsupported_type"
    assert "Content-Encoding br" in rejected.data.message


@pytest.mark.parametrize(
    ("variable", "limit", "message"),
    [
        ("MAX_OBJECT_BYTES", "1024", "over the 1024-byte limit"),  # refused from its size, without being read
        ("MAX_TEXT_CHARS", "2000", "split it into smaller objects"),  # refused before entity extraction
    ],
)
def test_an_object_over_a_limit_is_rejected_not_retried(
    pipeline: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch, variable: str, limit: str, message: str
) -> None:
    # Given a limit the sample (4,700 bytes, 4,000 characters of text) is over
    from newsingest.local.demo import reset_caches

    monkeypatch.setenv(variable, limit)
    reset_caches()
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key="incoming/big.txt", Body=SAMPLE.read_bytes())
    # When
    results = pipeline.ingest.drain()
    # Then it is refused with a reason, not retried until it times out
    assert sum(result.failed for result in results) == 0
    [event] = published_events(clients["sqs"], pipeline.stack.index_queue_url)
    assert isinstance(event, ArticleRejectedEvent) and event.data.reason == "too_large"
    assert message in event.data.message


def test_a_delete_becomes_an_article_deleted_event(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given
    s3 = clients["s3"]
    put = s3.put_object(Bucket=pipeline.stack.bucket, Key="incoming/gone soon.txt", Body=SAMPLE.read_bytes())
    pipeline.ingest.drain()
    published_events(clients["sqs"], pipeline.stack.index_queue_url)
    # When (moto notifies permanent deletes; it sends nothing for delete markers, real S3 does)
    s3.delete_object(Bucket=pipeline.stack.bucket, Key="incoming/gone soon.txt", VersionId=put["VersionId"])
    pipeline.ingest.drain()
    # Then
    [event] = published_events(clients["sqs"], pipeline.stack.index_queue_url)
    assert isinstance(event, ArticleDeletedEvent) and event.data.source.key == "incoming/gone soon.txt"
    assert event.data.source.version_id in (put["VersionId"], None)  # moto omits it; S3 sends it


def test_a_direct_s3_invocation_is_handled(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given the notification S3 would send straight to Lambda (moto's own record)
    sqs = clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key="incoming/direct+1.txt", Body=SAMPLE.read_bytes())
    [notification] = raw_messages(sqs, pipeline.stack.ingest_queue_url)
    # When
    response = ingest.handler(notification, LocalContext(function_name="IngestFunction"))
    # Then
    assert response == {"processed": 1}
    [event] = published_events(sqs, pipeline.stack.index_queue_url)
    assert isinstance(event, ArticleParsedEvent) and event.data.source.key == "incoming/direct+1.txt"


def test_an_eventbridge_delivery_is_handled(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given S3 -> EventBridge -> SQS, as moto delivers it
    from newsingest.adapters.aws import client

    events, sqs, s3 = client("events"), clients["sqs"], clients["s3"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    s3.put_bucket_notification_configuration(
        Bucket=pipeline.stack.bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    queue_arn = sqs.get_queue_attributes(QueueUrl=pipeline.stack.ingest_queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events.put_rule(Name="objects", EventPattern=json.dumps({"source": ["aws.s3"], "detail-type": ["Object Created"]}))
    events.put_targets(Rule="objects", Targets=[{"Id": "ingest", "Arn": queue_arn}])
    s3.put_object(Bucket=pipeline.stack.bucket, Key="incoming/via bridge.txt", Body=SAMPLE.read_bytes())
    [delivered] = raw_messages(sqs, pipeline.stack.ingest_queue_url)
    assert delivered["detail-type"] == "Object Created"
    # When
    response = ingest.handler(delivered, LocalContext(function_name="IngestFunction"))
    # Then
    assert response == {"processed": 1}
    [event] = published_events(sqs, pipeline.stack.index_queue_url)
    assert isinstance(event, ArticleParsedEvent) and event.data.source.key == "incoming/via bridge.txt"


def test_records_whose_events_sqs_refused_fail_and_are_sent_when_delivered_again(
    pipeline: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two uploads, and an index queue that does not exist at the time of sending
    sqs = clients["sqs"]
    raw_messages(sqs, pipeline.stack.ingest_queue_url)
    for name in ("refused-1.txt", "refused-2.txt"):
        body = SAMPLE.read_bytes() + name.encode()
        clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key=f"incoming/{name}", Body=body)
    queue_name = pipeline.stack.index_queue_url.rsplit("/", 1)[-1]
    sqs.delete_queue(QueueUrl=pipeline.stack.index_queue_url)
    # When the batch is handled
    result = pipeline.ingest.run_once()
    # Then both records are reported failed (their articles were parsed and stored)
    assert result is not None and (result.received, result.failed) == (2, 2)
    # And when the queue is back and the messages are delivered again
    assert sqs.create_queue(QueueName=queue_name)["QueueUrl"] == pipeline.stack.index_queue_url
    service = ingest.service()
    parses: list[str] = []
    original_parse = service._parse

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        parses.append(kwargs.get("key", ""))
        return original_parse(*args, **kwargs)

    monkeypatch.setattr(service, "_parse", counting_parse)
    pipeline.ingest.drain()
    # Then they are processed again (the failure released their idempotency records) and their
    # events sent: nothing is lost
    events = published_events(sqs, pipeline.stack.index_queue_url)
    assert sorted(event.data.source.key for event in events) == ["incoming/refused-1.txt", "incoming/refused-2.txt"]
    assert sorted(parses) == ["incoming/refused-1.txt", "incoming/refused-2.txt"]
    # And their events point at the lines the retry stored (the same bytes, so the same key, when
    # the retry holds the same records in the same order; else a new object beside the first)
    assert all(read_parsed(clients["s3"], event)["id"] == event.data.article_id for event in events)

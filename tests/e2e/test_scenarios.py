"""Lifecycle scenarios through the whole local pipeline: updates, deletes, duplicates and events
that arrive late or out of order."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.events import article_deleted_event
from newsingest.indexing.queries import entity_view
from newsingest.models import SourceRef

SAMPLE = Path(__file__).parents[1] / "fixtures" / "articles" / "belarus-russia-alliance.txt"
OTHER_TEXT = (
    "Ferrari unveils its new car\n\n"
    "Ferrari presented its new Formula One car in Maranello on Tuesday. "
    "Team principal Fred Vasseur said the car was faster in every corner."
)


def index_of(pipeline: Any, clients: dict[str, Any]) -> DynamoIndex:
    return DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)


def articles_at(index: DynamoIndex, bucket: str, key: str) -> list[str]:
    return [record.article_id for record in index.get_records(bucket, key)]


def take_notifications(clients: dict[str, Any], queue_url: str) -> list[str]:
    bodies = []
    while True:
        messages = clients["sqs"].receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            clients["sqs"].delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_reuploading_changed_text_replaces_the_article_and_its_postings(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given the sample indexed under a key
    s3, bucket, index = clients["s3"], pipeline.stack.bucket, index_of(pipeline, clients)
    s3.put_object(Bucket=bucket, Key="incoming/story.txt", Body=SAMPLE.read_bytes())
    pipeline.run()
    [first] = articles_at(index, bucket, "incoming/story.txt")
    assert entity_view(index, "organization:nato") is not None
    # When the object is overwritten with other text
    s3.put_object(Bucket=bucket, Key="incoming/story.txt", Body=OTHER_TEXT.encode())
    pipeline.run()
    # Then only the new article is indexed, and entities only the old one named are gone
    [second] = articles_at(index, bucket, "incoming/story.txt")
    assert second != first and index.get_article(first) is None
    assert entity_view(index, "organization:nato") is None
    assert index.query_postings("organization:nato").items == []
    ferrari = entity_view(index, "organization:ferrari")
    assert ferrari is not None and ferrari.article_count == 1


def test_the_same_text_under_two_keys_counts_once_and_survives_one_delete(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    # Given
    s3, bucket, index = clients["s3"], pipeline.stack.bucket, index_of(pipeline, clients)
    first = s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=SAMPLE.read_bytes())
    s3.put_object(Bucket=bucket, Key="incoming/copy/b.txt", Body=SAMPLE.read_bytes())
    pipeline.run()
    [article_a] = articles_at(index, bucket, "incoming/a.txt")
    [article_b] = articles_at(index, bucket, "incoming/copy/b.txt")
    assert article_a == article_b
    nato = entity_view(index, "organization:nato")
    assert nato is not None and nato.article_count == 1
    # When one copy is deleted
    s3.delete_object(Bucket=bucket, Key="incoming/a.txt", VersionId=first["VersionId"])
    pipeline.run()
    # Then the article stays, counted once
    assert index.get_article(article_a) is not None
    assert index.get_article_sources(article_a) == [f"{bucket}/incoming/copy/b.txt"]
    nato = entity_view(index, "organization:nato")
    assert nato is not None and nato.article_count == 1


def test_a_late_notification_of_an_overwritten_version_changes_nothing(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given two uploads to one key whose notifications S3 delivers in reverse order
    s3, sqs, bucket, index = clients["s3"], clients["sqs"], pipeline.stack.bucket, index_of(pipeline, clients)
    queue = pipeline.stack.ingest_queue_url
    take_notifications(clients, queue)  # the s3:TestEvent
    s3.put_object(Bucket=bucket, Key="incoming/late.txt", Body=SAMPLE.read_bytes())
    s3.put_object(Bucket=bucket, Key="incoming/late.txt", Body=OTHER_TEXT.encode())
    older, newer = take_notifications(clients, queue)
    # When
    for body in (newer, older):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    pipeline.run()
    # Then the index holds the newest text only
    [article_id] = articles_at(index, bucket, "incoming/late.txt")
    article = index.get_article(article_id)
    assert article is not None and article.title == "Ferrari unveils its new car"
    assert entity_view(index, "organization:nato") is None


def test_a_late_create_after_a_delete_does_not_resurrect_the_object(pipeline: Any, clients: dict[str, Any]) -> None:
    # Given an upload then a delete, delivered delete first
    s3, sqs, bucket, index = clients["s3"], clients["sqs"], pipeline.stack.bucket, index_of(pipeline, clients)
    queue = pipeline.stack.ingest_queue_url
    take_notifications(clients, queue)
    put = s3.put_object(Bucket=bucket, Key="incoming/gone.txt", Body=SAMPLE.read_bytes())
    s3.delete_object(Bucket=bucket, Key="incoming/gone.txt", VersionId=put["VersionId"])
    created, deleted = take_notifications(clients, queue)
    assert json.loads(deleted)["Records"][0]["eventName"].startswith("ObjectRemoved")
    # When
    for body in (deleted, created):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    pipeline.run()
    # Then
    assert articles_at(index, bucket, "incoming/gone.txt") == []
    assert entity_view(index, "organization:nato") is None


def test_sequencers_order_events_whatever_the_delivery_order(harness: Any, article_factory: Any) -> None:
    # Given version B (sequencer 0B) applied, then version A (0A) and B's delete (0C, arriving first)
    def version(text: str, sequencer: str) -> Any:
        article = article_factory(
            text,
            key="incoming/seq.txt",
            bucket=harness.bucket,
            entities=[(text.split()[0], "organization", 1)],
            published="2024-01-01T00:00:00+00:00",
        )
        source = article.source.model_copy(update={"sequencer": sequencer, "etag": sequencer})
        return article.model_copy(update={"source": source})

    harness.parsed(version("Reuters wrote.", "0000B"))
    harness.drain()
    # When an older version arrives late
    harness.parsed(version("Bloomberg wrote.", "0000A"))
    harness.drain()
    # Then it is ignored
    assert harness.stats("organization:reuters") == (1, 1)
    assert harness.stats("organization:bloomberg") is None
    # When a delete (newer) is followed by a late create of an intermediate version
    late_time = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)
    deleted = SourceRef(bucket=harness.bucket, key="incoming/seq.txt", sequencer="0000D")
    harness.publisher.publish([article_deleted_event(deleted, received_at=late_time)])
    harness.drain()
    harness.parsed(version("Agence wrote.", "0000C"))
    harness.drain()
    # Then the object stays deleted
    assert harness.stats("organization:reuters") is None
    assert harness.stats("organization:agence") is None


def test_a_key_deleted_uploaded_again_and_deleted_again_within_a_day_leaves_the_index(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    # Given a key deleted with a delete marker, then given other text (found by the chaos run: both
    # delete markers had the same idempotency key, so the second delete was never announced)
    s3, bucket, index = clients["s3"], pipeline.stack.bucket, index_of(pipeline, clients)
    s3.put_object(Bucket=bucket, Key="incoming/again.txt", Body=SAMPLE.read_bytes())
    pipeline.run()
    s3.delete_object(Bucket=bucket, Key="incoming/again.txt")
    pipeline.run()
    s3.put_object(Bucket=bucket, Key="incoming/again.txt", Body=OTHER_TEXT.encode())
    pipeline.run()
    [article_id] = articles_at(index, bucket, "incoming/again.txt")
    # When it is deleted with a delete marker again
    s3.delete_object(Bucket=bucket, Key="incoming/again.txt")
    pipeline.run()
    # Then the index no longer holds it
    assert articles_at(index, bucket, "incoming/again.txt") == []
    assert index.get_article(article_id) is None
    assert entity_view(index, "organization:ferrari") is None

"""The indexer handler against moto: real SQS batches from the index queue into DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from newsingest.errors import RejectReason
from newsingest.events import article_deleted_event, article_rejected_event
from newsingest.indexing.queries import InvalidCursor, entity_stats
from newsingest.models import SourceRef

RECEIVED = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)


def test_parsed_event_is_indexed_by_id_entity_and_day(harness: Any, article_factory: Any) -> None:
    # Given
    article = article_factory(
        "NATO met in Brussels. Stoltenberg spoke.",
        key="incoming/a.txt",
        bucket=harness.bucket,
        entities=[("NATO", "organization", 2), ("Brussels", "location", 1)],
        published="2024-03-18T09:30:00+01:00",
    )
    # When
    harness.parsed(article)
    harness.drain()
    # Then
    stored = harness.index.get_article(article.id)
    assert stored is not None and stored.title == "NATO met in Brussels"
    assert stored.sort_time == "2024-03-18T08:30:00Z"  # UTC, timezone of the page honoured
    assert [p.article_id for p in harness.index.query_postings("organization:nato").items] == [article.id]
    assert harness.stats("organization:nato") == (1, 2)
    day = harness.index.query_day(datetime(2024, 3, 18).date())
    assert [item.article_id for item in day.items] == [article.id]


def test_the_same_event_twice_changes_nothing_the_second_time(harness: Any, article_factory: Any) -> None:
    # Given
    article = article_factory(
        "Putin met Lukashenko.",
        key="incoming/b.txt",
        bucket=harness.bucket,
        entities=[("Putin", "person", 1), ("Lukashenko", "person", 1)],
        published="2024-01-02T00:00:00+00:00",
    )
    # When
    harness.parsed(article)
    harness.parsed(article)
    harness.drain()
    harness.parsed(article)
    harness.drain()
    # Then
    assert harness.stats("person:putin") == (1, 1)
    assert len(harness.index.query_postings("person:putin").items) == 1


def test_same_text_under_two_keys_is_one_article_counted_once_until_its_last_source_goes(
    harness: Any, article_factory: Any
) -> None:
    # Given the same text uploaded under two keys
    text = "Belarus borders Ukraine."
    first = article_factory(
        text,
        key="incoming/one.txt",
        bucket=harness.bucket,
        entities=[("Belarus", "location", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    second = first.model_copy(update={"source": SourceRef(bucket=harness.bucket, key="incoming/two.txt")})
    harness.parsed(first)
    harness.parsed(second)
    harness.drain()
    assert harness.stats("location:belarus") == (1, 1)
    assert sorted(harness.index.get_article_sources(first.id)) == [
        f"{harness.bucket}/incoming/one.txt",
        f"{harness.bucket}/incoming/two.txt",
    ]
    # When one source is deleted
    harness.deleted("incoming/one.txt")
    harness.drain()
    # Then the article stays
    assert harness.index.get_article(first.id) is not None
    assert harness.stats("location:belarus") == (1, 1)
    # When the last source is deleted
    harness.deleted("incoming/two.txt")
    harness.drain()
    # Then the article, its postings and its counts leave the index
    assert harness.index.get_article(first.id) is None
    assert harness.index.query_postings("location:belarus").items == []
    assert harness.stats("location:belarus") is None
    assert harness.index.get_records(harness.bucket, "incoming/two.txt") == []
    tombstone = harness.index.get_source(harness.bucket, "incoming/two.txt")
    assert tombstone is not None and tombstone.deleted


def test_a_changed_object_replaces_its_article(harness: Any, article_factory: Any) -> None:
    # Given
    old = article_factory(
        "Ferrari won.",
        key="incoming/c.txt",
        bucket=harness.bucket,
        entities=[("Ferrari", "organization", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    harness.parsed(old)
    harness.drain()
    # When the same key now holds other text
    new = article_factory(
        "Verstappen won.",
        key="incoming/c.txt",
        bucket=harness.bucket,
        entities=[("Max Verstappen", "person", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    harness.parsed(new)
    harness.drain()
    # Then
    assert harness.index.get_article(old.id) is None
    assert harness.stats("organization:ferrari") is None
    assert harness.stats("person:max-verstappen") == (1, 1)
    assert [record.article_id for record in harness.index.get_records(harness.bucket, "incoming/c.txt")] == [new.id]


def test_purging_an_old_version_keeps_the_indexed_one(harness: Any, article_factory: Any) -> None:
    # Given the index holds version v2 of an object
    article = article_factory(
        "Kyiv thanked Poland.",
        key="incoming/v.txt",
        bucket=harness.bucket,
        entities=[("Kyiv", "location", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    versioned = article.model_copy(update={"source": article.source.model_copy(update={"version_id": "v2"})})
    harness.parsed(versioned)
    harness.drain()
    # When version v1 is permanently deleted, then a delete marker hides the object
    old = SourceRef(bucket=harness.bucket, key="incoming/v.txt", version_id="v1")
    harness.publisher.publish([article_deleted_event(old, received_at=RECEIVED)])
    harness.drain()
    still_there = harness.index.get_article(article.id)
    harness.deleted("incoming/v.txt")
    harness.drain()
    # Then
    assert still_there is not None
    assert harness.index.get_article(article.id) is None


def test_deleting_an_unknown_object_is_harmless(harness: Any, article_factory: Any) -> None:
    harness.deleted("incoming/never-seen.txt")
    harness.drain()
    assert (
        harness.sqs.get_queue_attributes(
            QueueUrl=harness.pipeline.stack.index_dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_a_poison_record_fails_alone_and_ends_in_the_dlq(harness: Any, article_factory: Any) -> None:
    # Given a batch with one message that is not an event between two good ones
    good = [
        article_factory(
            f"Article {n} about NATO.",
            key=f"incoming/{n}.txt",
            bucket=harness.bucket,
            entities=[("NATO", "organization", 1)],
            published=f"2024-02-0{n}T00:00:00+00:00",
        )
        for n in (1, 2)
    ]
    harness.parsed(good[0])
    harness.sqs.send_message(QueueUrl=harness.pipeline.stack.index_queue_url, MessageBody='{"type": "nonsense"}')
    harness.parsed(good[1])
    # When one Lambda invocation receives the batch
    first = harness.pipeline.index.run_once()
    # Then only the poison record is reported failed, the others are indexed
    assert first is not None and (first.received, first.failed) == (3, 1)
    assert harness.stats("organization:nato") == (2, 2)
    # And after the queue's maxReceiveCount it is in the DLQ, not retried forever
    harness.drain()
    dlq = harness.sqs.receive_message(QueueUrl=harness.pipeline.stack.index_dlq_url, MaxNumberOfMessages=10)
    assert [message["Body"] for message in dlq["Messages"]] == ['{"type": "nonsense"}']


def test_rejections_are_recorded_and_cleared_when_the_object_later_parses(harness: Any, article_factory: Any) -> None:
    # Given
    source = SourceRef(bucket=harness.bucket, key="incoming/d.json")
    harness.publisher.publish(
        [article_rejected_event(source, reason=RejectReason.INVALID_JSON, message="bad", received_at=RECEIVED)]
    )
    harness.drain()
    rejection = harness.index.get_rejection(harness.bucket, "incoming/d.json")
    assert rejection is not None and rejection.reason == "invalid_json"
    assert [r.key for r in harness.index.query_rejections(RECEIVED.date())] == ["incoming/d.json"]
    # When the fixed object arrives
    harness.parsed(
        article_factory(
            "Fixed.", key="incoming/d.json", bucket=harness.bucket, entities=[], published="2024-01-01T00:00:00+00:00"
        )
    )
    harness.drain()
    # Then
    assert harness.index.get_rejection(harness.bucket, "incoming/d.json") is None


def test_entity_articles_page_newest_first_to_the_end(harness: Any, article_factory: Any) -> None:
    # Given three articles on three days
    for day in (1, 2, 3):
        harness.parsed(
            article_factory(
                f"Day {day}: the EU met.",
                key=f"incoming/day{day}.txt",
                bucket=harness.bucket,
                entities=[("EU", "organization", day)],
                published=f"2024-05-0{day}T12:00:00+00:00",
            )
        )
    harness.drain()
    # When paging one at a time
    seen, cursor = [], None
    while True:
        page = harness.index.query_postings("organization:eu", limit=1, cursor=cursor)
        seen.extend(posting.sort_time[:10] for posting in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    # Then
    assert seen == ["2024-05-03", "2024-05-02", "2024-05-01"]
    window = harness.index.query_postings("organization:eu", since="2024-05-02", until="2024-05-02")
    assert [posting.sort_time[:10] for posting in window.items] == ["2024-05-02"]
    assert entity_stats(harness.index, "organization:eu") is not None
    with pytest.raises(InvalidCursor):
        harness.index.query_postings("organization:eu", cursor="not-a-cursor!")

"""Event contracts: bounded size, deterministic ids, CloudEvents envelope."""

from __future__ import annotations

from datetime import UTC, datetime

from newsingest.events import (
    INDEX_EVENT_ADAPTER,
    MAX_EVENT_ENTITIES,
    ArticleParsedEvent,
    article_parsed_event,
)
from newsingest.models import Article, Entity, EntityType, Mention, SourceRef, article_id_for, hash_text

SQS_MESSAGE_LIMIT = 256 * 1024
RECEIVED = datetime(2024, 1, 1, tzinfo=UTC)


def huge_article(entity_count: int, words: int) -> Article:
    text = " ".join(f"word{n}" for n in range(words))
    digest = hash_text(text)
    return Article(
        id=article_id_for(digest),
        source=SourceRef(bucket="b", key="incoming/huge.txt"),
        format="text",
        text=text,
        word_count=words,
        content_sha256=digest,
        entities=[
            Entity(
                id=f"person:someone-with-a-rather-long-name-{n}",
                name=f"Someone With A Rather Long Name {n}",
                type=EntityType.PERSON,
                mention_count=3,
                mentions=[Mention(start=0, end=5, text="word0")] * 3,
                salience=(n % 100) / 100,
            )
            for n in range(entity_count)
        ],
    )


def test_an_article_parsed_event_stays_under_the_sqs_limit_whatever_the_article_size() -> None:
    # Given an article of a million words and 5,000 entities
    article = huge_article(5000, 1_000_000)
    # When
    event = article_parsed_event(
        article, parsed_uri="s3://b/parsed/x.ndjson", parsed_range="bytes=0-9", received_at=RECEIVED
    )
    body = event.model_dump_json()
    # Then
    assert len(body.encode()) < SQS_MESSAGE_LIMIT
    assert len(event.data.entities) == MAX_EVENT_ENTITIES and event.data.entities_truncated
    assert event.data.entities[0].salience == max(entity.salience for entity in article.entities)


def test_event_ids_are_deterministic_and_round_trip_through_the_union() -> None:
    article = huge_article(2, 10)
    first = article_parsed_event(
        article, parsed_uri="s3://b/parsed/x.ndjson", parsed_range="bytes=0-9", received_at=RECEIVED
    )
    second = article_parsed_event(
        article, parsed_uri="s3://b/parsed/x.ndjson", parsed_range="bytes=0-9", received_at=RECEIVED
    )
    assert first.id == second.id
    decoded = INDEX_EVENT_ADAPTER.validate_json(first.model_dump_json())
    assert isinstance(decoded, ArticleParsedEvent) and decoded == first
    assert decoded.specversion == "1.0" and decoded.type == "newsingest.ArticleParsed"

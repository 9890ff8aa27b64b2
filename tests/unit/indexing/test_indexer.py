"""The indexer's rules without AWS, on an in-memory IndexStore: versions replace each other, late
events change nothing, removals and rejections detach what an object held, and the same text
under two keys is one article that leaves with its last source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsingest.errors import RejectReason
from newsingest.events import (
    EntitySummary,
    IndexEvent,
    article_deleted_event,
    article_parsed_event,
    article_rejected_event,
)
from newsingest.indexing.items import (
    ARTICLE_SK,
    RECORD_SK_PREFIX,
    REJECTED_SK,
    SOURCE_SK,
    ArticleItem,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    article_pk,
    source_pk,
)
from newsingest.indexing.service import Indexer, Outcome
from newsingest.models import Article, SourceRef

T0 = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)
BUCKET = "articles"


class MemoryIndex:
    """IndexStore over a dict keyed (pk, sk), with the article's sources as a set, as DynamoDB keeps them."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}
        self.sources: dict[str, set[str]] = {}

    def get_object(self, bucket: str | None, key: str) -> ObjectState:
        pk = source_pk(bucket, key)
        return ObjectState(
            source=self.items.get((pk, SOURCE_SK)),
            records=[item for (ipk, sk), item in self.items.items() if ipk == pk and sk.startswith(RECORD_SK_PREFIX)],
            rejected=(pk, REJECTED_SK) in self.items,
        )

    def put_source(self, item: SourceItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def put_record(self, item: RecordItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def delete_record(self, item: RecordItem) -> None:
        self.items.pop((item.pk, item.sk), None)

    def get_article(self, article_id: str) -> ArticleItem | None:
        article: ArticleItem | None = self.items.get((article_pk(article_id), ARTICLE_SK))
        return article

    def put_postings(self, postings: list[PostingItem]) -> None:
        self.items.update({(posting.pk, posting.sk): posting for posting in postings})

    def delete_postings(self, postings: list[PostingItem]) -> None:
        for posting in postings:
            self.items.pop((posting.pk, posting.sk), None)

    def put_quotes(self, quotes: list[QuoteItem]) -> None:
        self.items.update({(quote.pk, quote.sk): quote for quote in quotes})

    def delete_quotes(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.items.pop(key, None)

    def put_profiles(self, entities: list[EntitySummary]) -> None:
        pass  # profiles are names for look-ups: no rule of the indexer reads them

    def put_article(self, article: ArticleItem, source: str) -> None:
        self.items.setdefault((article.pk, article.sk), article)
        self.sources.setdefault(article.article_id, set()).add(source)

    def remove_article_source(self, article_id: str, source: str) -> set[str]:
        remaining = self.sources.get(article_id, set())
        remaining.discard(source)
        return set(remaining)

    def delete_article(self, article_id: str) -> None:
        self.items.pop((article_pk(article_id), ARTICLE_SK), None)
        self.sources.pop(article_id, None)

    def put_rejection(self, item: RejectionItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def delete_rejection(self, bucket: str | None, key: str) -> None:
        self.items.pop((source_pk(bucket, key), REJECTED_SK), None)

    def postings(self, entity_id: str) -> set[str]:
        """Ids of the articles an entity's postings name."""
        return {
            item.article_id
            for item in self.items.values()
            if isinstance(item, PostingItem) and item.entity_id == entity_id
        }


class World:
    """One bucket's history as S3 would notify it: every event carries the next sequencer."""

    def __init__(self, article_factory: Callable[..., Article]) -> None:
        self.index = MemoryIndex()
        self.indexer = Indexer(self.index)
        self.make = article_factory
        self.clock = 0

    def _next(self) -> tuple[str, datetime]:
        self.clock += 1
        return f"{self.clock:016X}", T0 + timedelta(seconds=self.clock)

    def put(self, key: str, text: str, entity: str, *, version: str) -> tuple[IndexEvent, Article]:
        sequencer, moment = self._next()
        article = self.make(text, key=key, bucket=BUCKET, entities=[(entity, "location", 1)], published=T0.isoformat())
        source = article.source.model_copy(update={"version_id": version, "sequencer": sequencer})
        article = article.model_copy(update={"source": source})
        event = article_parsed_event(
            article, parsed_uri="s3://b/parsed/x.ndjson", parsed_range="bytes=0-9", received_at=moment, record_count=1
        )
        return event, article

    def delete(self, key: str, version: str | None = None) -> IndexEvent:
        sequencer, moment = self._next()
        source = SourceRef(bucket=BUCKET, key=key, version_id=version, sequencer=sequencer)
        return article_deleted_event(source, received_at=moment)

    def reject(self, key: str, *, version: str) -> IndexEvent:
        sequencer, moment = self._next()
        source = SourceRef(bucket=BUCKET, key=key, version_id=version, sequencer=sequencer)
        return article_rejected_event(source, reason=RejectReason.EMPTY, message="empty", received_at=moment)

    def apply(self, *events: IndexEvent) -> list[Outcome]:
        return [self.indexer.apply(event) for event in events]


@pytest.fixture
def world(article_factory: Callable[..., Article]) -> World:
    return World(article_factory)


def test_a_new_version_replaces_the_old_and_a_late_old_event_changes_nothing(world: World) -> None:
    first, old = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    second, new = world.put("a.txt", "Odesa thanked Rome.", "Odesa", version="v2")
    assert world.apply(first, second) == [Outcome.INDEXED, Outcome.REPLACED]
    assert world.index.get_article(old.id) is None and world.index.postings("location:kyiv") == set()
    # The first version's event delivered again, late
    assert world.apply(first) == [Outcome.STALE]
    assert world.index.postings("location:odesa") == {new.id}


@pytest.mark.parametrize("order", ["delete first", "parse first"])
def test_a_delete_marker_racing_the_first_ingest_leaves_nothing(world: World, order: str) -> None:
    parsed, article = world.put("raced.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    marker = world.delete("raced.txt")
    world.apply(*((marker, parsed) if order == "delete first" else (parsed, marker)))
    assert world.index.get_article(article.id) is None and world.index.postings("location:kyiv") == set()


def test_a_rejected_overwrite_detaches_the_old_article(world: World) -> None:
    parsed, article = world.put("a.html", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(parsed, world.reject("a.html", version="v2"))
    assert world.index.get_article(article.id) is None and world.index.postings("location:kyiv") == set()
    assert world.index.get_object(BUCKET, "a.html").rejected


def test_the_same_text_under_two_keys_leaves_with_its_last_source(world: World) -> None:
    one, article = world.put("one.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    two, _ = world.put("two.txt", "Kyiv thanked Warsaw.", "Kyiv", version="w1")
    assert world.apply(one, two) == [Outcome.INDEXED, Outcome.SOURCE_ADDED]
    world.apply(world.delete("one.txt"))
    assert world.index.get_article(article.id) is not None
    assert world.index.sources[article.id] == {f"{BUCKET}/two.txt"}
    world.apply(world.reject("two.txt", version="w2"))
    assert world.index.get_article(article.id) is None


def test_purging_an_old_version_keeps_the_current_one(world: World) -> None:
    first, _ = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    second, current = world.put("a.txt", "Odesa thanked Rome.", "Odesa", version="v2")
    world.apply(first, second)
    assert world.apply(world.delete("a.txt", version="v1")) == [Outcome.OTHER_VERSION]
    assert world.index.get_article(current.id) is not None


def test_bytes_a_key_held_before_come_back_as_a_new_version(world: World) -> None:
    first, article = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(first, world.delete("a.txt"))
    again, _ = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v3")
    assert world.apply(again) == [Outcome.INDEXED]
    assert world.index.postings("location:kyiv") == {article.id}

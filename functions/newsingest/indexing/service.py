"""Applying events to the index: which items change, in which order, so replays change nothing.

The order makes every step safe to repeat after a crash: postings (with their counters, in one
transaction each, conditioned on the posting not existing yet) come first, then the article,
then the source item that points at it. A retry redoes only what is missing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    IndexEvent,
)
from newsingest.indexing.items import ArticleItem, PostingItem, RejectionItem, SourceItem


class Outcome(StrEnum):
    """What applying one event did, for logs and metrics."""

    INDEXED = "indexed"
    ALREADY_INDEXED = "already_indexed"
    SOURCE_ADDED = "source_added"
    REPLACED = "replaced"
    DELETED = "deleted"
    UNKNOWN_SOURCE = "unknown_source"
    OTHER_VERSION = "other_version"
    REJECTION_RECORDED = "rejection_recorded"


class IndexStore(Protocol):
    """The item-level operations the index needs (DynamoDB in AWS)."""

    def get_source(self, bucket: str | None, key: str) -> SourceItem | None: ...

    def get_article(self, article_id: str) -> ArticleItem | None: ...

    def add_postings(self, postings: list[PostingItem], article: ArticleItem) -> int:
        """Create the postings that do not exist yet and count them into their entities' stats;
        returns how many were new."""
        ...

    def remove_postings(self, postings: list[PostingItem], article: ArticleItem) -> int:
        """Delete the postings that exist and count them out of their entities' stats."""
        ...

    def put_article(self, article: ArticleItem, source_id: str) -> None:
        """Create the article if absent and add `source_id` to its sources."""
        ...

    def remove_article_source(self, article_id: str, source_id: str) -> set[str]:
        """Remove one source from an article; returns the sources left."""
        ...

    def delete_article(self, article_id: str) -> None: ...

    def put_source(self, item: SourceItem) -> None: ...

    def delete_source(self, bucket: str | None, key: str) -> None: ...

    def put_rejection(self, item: RejectionItem) -> None: ...

    def delete_rejection(self, bucket: str | None, key: str) -> None: ...


def source_id(bucket: str | None, key: str) -> str:
    """How an article names one of its sources."""
    return f"{bucket or ''}/{key}"


def postings_for(article: ArticleItem) -> list[PostingItem]:
    """An article's postings are a pure function of the article item, so a delete rebuilds
    exactly the keys the index wrote."""
    return [PostingItem.of(article, entity) for entity in article.entities]


class Indexer:
    """Keeps the index in step with the events."""

    def __init__(self, store: IndexStore) -> None:
        self._store = store

    def apply(self, event: IndexEvent) -> Outcome:
        """Apply one event; raising leaves the index consistent and the event safe to retry."""
        if isinstance(event, ArticleParsedEvent):
            return self._on_article_parsed(event)
        if isinstance(event, ArticleDeletedEvent):
            return self._on_article_deleted(event)
        return self._on_article_rejected(event)

    def _on_article_parsed(self, event: ArticleParsedEvent) -> Outcome:
        data = event.data
        bucket, key = data.source.bucket, data.source.key
        previous = self._store.get_source(bucket, key)
        outcome = Outcome.INDEXED
        if previous is not None and previous.article_id != data.article_id:
            self._detach(previous.article_id, source_id(bucket, key))
            outcome = Outcome.REPLACED
        existing = self._store.get_article(data.article_id)
        # The same text seen before (another key, or a replay) keeps its first article item, so
        # its postings keep their keys and the counters count it once.
        article = existing or ArticleItem.of(data)
        added = self._store.add_postings(postings_for(article), article)
        self._store.put_article(article, source_id(bucket, key))
        self._store.put_source(SourceItem.of(data))
        self._store.delete_rejection(bucket, key)
        if outcome is Outcome.REPLACED:
            return outcome
        if existing is not None and added == 0:
            already_here = previous is not None and previous.article_id == data.article_id
            return Outcome.ALREADY_INDEXED if already_here else Outcome.SOURCE_ADDED
        return outcome

    def _on_article_deleted(self, event: ArticleDeletedEvent) -> Outcome:
        source = event.data.source
        previous = self._store.get_source(source.bucket, source.key)
        self._store.delete_rejection(source.bucket, source.key)
        if previous is None:
            return Outcome.UNKNOWN_SOURCE
        if source.version_id and previous.version_id and source.version_id != previous.version_id:
            return Outcome.OTHER_VERSION  # an old version was purged; the indexed one remains
        self._detach(previous.article_id, source_id(source.bucket, source.key))
        self._store.delete_source(source.bucket, source.key)
        return Outcome.DELETED

    def _on_article_rejected(self, event: ArticleRejectedEvent) -> Outcome:
        self._store.put_rejection(RejectionItem.of(event.data))
        return Outcome.REJECTION_RECORDED

    def _detach(self, article_id: str, source: str) -> None:
        """Drop one source of an article; the article leaves the index with its last source."""
        remaining = self._store.remove_article_source(article_id, source)
        if remaining:
            return
        article = self._store.get_article(article_id)
        if article is None:
            return
        self._store.remove_postings(postings_for(article), article)
        self._store.delete_article(article_id)

"""The ingest stage: one object change in, one event out. Plain Python over two small interfaces.

Created objects are read (bounded), parsed, enriched with entities, stored as JSON under
`parsed/` and announced with `ArticleParsed`; input that can never become an article is
announced with `ArticleRejected` (the object is left as it is); removed objects become
`ArticleDeleted`. Anything else that fails (S3 or SQS errors) propagates so the queue retries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from newsingest.errors import RejectedInput, RejectReason
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    article_deleted_event,
    article_parsed_event,
    article_rejected_event,
)
from newsingest.models import Article, EntityStatus, SourceRef
from newsingest.settings import PARSED_PREFIX
from newsingest.triggers import ChangeKind, ObjectChange

if TYPE_CHECKING:
    from newsingest.entities.analysis import TextAnalysis

ENGLISH = "en"
"""The entity model is English-only: other languages are indexed without entities."""

IngestEvent = ArticleParsedEvent | ArticleRejectedEvent | ArticleDeletedEvent


@dataclass(frozen=True)
class FetchedObject:
    """An object's bytes and the metadata parsing may use."""

    data: bytes
    content_type: str | None
    content_encoding: str | None
    etag: str | None
    version_id: str | None


class ObjectTooLarge(Exception):
    """The object is over the configured size: it is never read whole."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"object is {size} bytes, over the {limit}-byte limit")
        self.size = size
        self.limit = limit


class ObjectGone(Exception):
    """The object was deleted (or replaced) before we read it: its own event will follow."""


class ObjectStore(Protocol):
    """Reads originals and writes parsed articles (S3 in AWS)."""

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        """Raise ObjectTooLarge without reading the body when it is over max_bytes, ObjectGone
        when the object (version) no longer exists."""
        ...

    def put_json(self, bucket: str, key: str, body: bytes) -> None:
        """Write a JSON document."""
        ...


class EventPublisher(Protocol):
    """Sends events to the index queue (SQS in AWS)."""

    def publish(self, events: Sequence[IngestEvent]) -> None:
        """Send all the events or raise."""
        ...


Parser = Callable[..., list[Article]]
TextAnalyser = Callable[..., "TextAnalysis"]


def parsed_key(article_id: str) -> str:
    """Parsed articles are keyed by content id: re-ingesting the same text rewrites the same key."""
    return f"{PARSED_PREFIX}{article_id}.json"


class IngestService:
    """Turns object changes into stored articles and events."""

    def __init__(
        self,
        *,
        store: ObjectStore,
        publisher: EventPublisher,
        parsed_bucket: str,
        max_object_bytes: int,
        parse: Parser,
        analyse: TextAnalyser,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._parsed_bucket = parsed_bucket
        self._max_object_bytes = max_object_bytes
        self._parse = parse
        self._analyse = analyse

    def handle(self, change: ObjectChange) -> list[IngestEvent]:
        """Process one change and publish its events (one per article the object holds, or one
        rejection, or one deletion); none when the object vanished before it was read."""
        if change.kind is ChangeKind.REMOVED:
            events: list[IngestEvent] = [article_deleted_event(change.source, received_at=change.event_time)]
        else:
            events = self._ingest(change)
        if events:
            self._publisher.publish(events)
        return events

    def analyse(self, fetched: FetchedObject, source: SourceRef) -> list[Article]:
        """Parse and add entities, quotes, dates and amounts: the CPU-bound core, no store needed."""
        articles = self._parse(
            fetched.data,
            key=source.key,
            content_type=fetched.content_type,
            source=source,
            max_bytes=self._max_object_bytes,
        )
        return [self._enrich(article) for article in articles]

    def _enrich(self, article: Article) -> Article:
        if article.language not in (ENGLISH, None):
            return article.model_copy(update={"entity_status": EntityStatus.SKIPPED_LANGUAGE})
        analysis = self._analyse(article.text, title=article.title)
        return article.model_copy(
            update={
                "entities": analysis.entities,
                "quotes": analysis.quotes,
                "dates": analysis.dates,
                "amounts": analysis.amounts,
                "entity_status": EntityStatus.EXTRACTED,
                "entity_model": analysis.entity_model,
                "alias_table_version": analysis.alias_table_version,
            }
        )

    def _ingest(self, change: ObjectChange) -> list[IngestEvent]:
        source = change.source
        try:
            fetched = self._store.fetch(source, max_bytes=self._max_object_bytes)
        except ObjectTooLarge as exc:
            return [
                article_rejected_event(
                    source, reason=RejectReason.TOO_LARGE, message=str(exc), received_at=change.event_time
                )
            ]
        except ObjectGone:
            return []
        source = source.model_copy(
            update={
                "etag": source.etag or fetched.etag,
                "version_id": source.version_id or fetched.version_id,
            }
        )
        try:
            articles = self.analyse(fetched, source)
        except RejectedInput as exc:
            return [
                article_rejected_event(
                    source,
                    reason=RejectReason(exc.reason),
                    message=exc.message,
                    received_at=change.event_time,
                )
            ]
        events: list[IngestEvent] = []
        for article in articles:
            key = parsed_key(article.id)
            self._store.put_json(self._parsed_bucket, key, article.model_dump_json().encode("utf-8"))
            events.append(
                article_parsed_event(
                    article,
                    parsed_uri=f"s3://{self._parsed_bucket}/{key}",
                    received_at=change.event_time,
                    record_count=len(articles),
                )
            )
        return events

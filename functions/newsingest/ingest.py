"""The ingest stage: object changes in, events out. Plain Python over two small interfaces.

Created objects are read (bounded), parsed and enriched with entities; the articles of a whole
batch of changes are stored as one newline-delimited JSON object under `parsed/` (one PUT for up
to ten uploads instead of one each: S3 bills per request) and each is announced with
`ArticleParsed`, which names its object and byte range. Input that can never become an article is
announced with `ArticleRejected` (the object is left as it is); removed objects become
`ArticleDeleted`. Anything else that fails (S3 or SQS errors) propagates so the queue retries.

The three steps are separate methods so the Lambda adapter can run them across an SQS batch:
`prepare` each change, `store` them all, then `publish` each (idempotently, one record at a time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from newsingest.settings import DEFAULT_MAX_TEXT_CHARS, PARSED_PREFIX
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

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        """Write a newline-delimited JSON document."""
        ...


class EventPublisher(Protocol):
    """Sends events to the index queue (SQS in AWS)."""

    def publish(self, events: Sequence[IngestEvent]) -> None:
        """Send all the events or raise."""
        ...


Parser = Callable[..., list[Article]]
TextAnalyser = Callable[..., "TextAnalysis"]
ParseErrorHook = Callable[[SourceRef, Exception], None]
"""Told of each object whose parsing or analysis raised (the adapter logs it and counts it)."""

PARSE_ERROR_MESSAGE_CHARS = 500
"""A rejection's message carries the exception's type and the start of its text: enough to group
and reproduce failures, bounded so a huge exception text cannot bloat the event (256 KB SQS cap)."""


def _ignore_parse_error(source: SourceRef, error: Exception) -> None:
    """The default hook: the rejection event itself records the failure."""


@dataclass(frozen=True)
class StoredLine:
    """Where one parsed article is: a line of a batch object, readable alone with a ranged GET."""

    uri: str
    byte_range: str


@dataclass
class PreparedChange:
    """One change, processed up to the point where its articles need storing."""

    change: ObjectChange
    articles: list[Article] = field(default_factory=list)
    outcome: list[IngestEvent] = field(default_factory=list)
    """The final events of a change that yields no article: a rejection or a deletion."""
    stored: list[StoredLine] = field(default_factory=list)


BATCH_KEY_HEX_CHARS = 32
"""128 bits of the body's SHA-256: collisions are out of reach at any object count."""


def batch_key(body: bytes, day: str) -> str:
    """Content-addressed, so a retried batch that parses to the same bytes rewrites the same key
    and no two different bodies ever share one (a byte range is only valid for its own body);
    partitioned by day (`dt=`) so Athena or Spark can read a day's articles as one table."""
    digest = hashlib.sha256(body).hexdigest()[:BATCH_KEY_HEX_CHARS]
    return f"{PARSED_PREFIX}dt={day}/{digest}.ndjson"


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
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        on_parse_error: ParseErrorHook = _ignore_parse_error,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._parsed_bucket = parsed_bucket
        self._max_object_bytes = max_object_bytes
        self._max_text_chars = max_text_chars
        self._parse = parse
        self._analyse = analyse
        self._on_parse_error = on_parse_error

    def handle(self, change: ObjectChange) -> list[IngestEvent]:
        """Process one change on its own: prepare, store (one object) and publish its events (one
        per article the object holds, or one rejection, or one deletion); none when the object
        vanished before it was read."""
        prepared = self.prepare(change)
        self.store([prepared])
        return self.publish(prepared)

    def prepare(self, change: ObjectChange) -> PreparedChange:
        """Read and analyse a created object; a removal or a refused object is final here."""
        if change.kind is ChangeKind.REMOVED:
            return PreparedChange(change, outcome=[article_deleted_event(change.source, received_at=change.event_time)])
        return self._ingest(change)

    def store(self, batch: Sequence[PreparedChange]) -> None:
        """Write every article of the batch as one line of one object (none when there is none)."""
        lines = [
            (prepared, article.model_dump_json().encode("utf-8")) for prepared in batch for article in prepared.articles
        ]
        if not lines:
            return
        body = b"".join(line + b"\n" for _, line in lines)  # compact JSON never holds a raw newline
        day = min(prepared.change.event_time for prepared in batch if prepared.articles).date().isoformat()
        key = batch_key(body, day)
        self._store.put_lines(self._parsed_bucket, key, body)
        uri = f"s3://{self._parsed_bucket}/{key}"
        for prepared in batch:
            prepared.stored.clear()
        offset = 0
        for prepared, line in lines:
            prepared.stored.append(StoredLine(uri, f"bytes={offset}-{offset + len(line) - 1}"))
            offset += len(line) + 1

    def events(self, prepared: PreparedChange) -> list[IngestEvent]:
        """A prepared change's events; its articles must have been stored."""
        if len(prepared.stored) != len(prepared.articles):
            raise RuntimeError("publish before store: the articles have no parsed location yet")
        parsed: list[IngestEvent] = [
            article_parsed_event(
                article,
                parsed_uri=line.uri,
                parsed_range=line.byte_range,
                received_at=prepared.change.event_time,
                record_count=len(prepared.articles),
            )
            for article, line in zip(prepared.articles, prepared.stored, strict=True)
        ]
        return [*prepared.outcome, *parsed]

    def publish(self, prepared: PreparedChange) -> list[IngestEvent]:
        """Send a prepared (and stored) change's events; return them."""
        events = self.events(prepared)
        if events:
            self._publisher.publish(events)
        return events

    def analyse(self, fetched: FetchedObject, source: SourceRef) -> list[Article]:
        """Parse and add entities, quotes, dates and amounts: the CPU-bound core, no store needed.

        An object whose articles hold more text than `max_text_chars` is refused as `too_large`
        before any entity extraction: analysing it would outlast the function's timeout, and a
        message that times out is retried until it lands in the dead-letter queue."""
        articles = self._parse(
            fetched.data,
            key=source.key,
            content_type=fetched.content_type,
            content_encoding=fetched.content_encoding,
            source=source,
            max_bytes=self._max_object_bytes,
        )
        text_chars = sum(len(article.text) for article in articles)
        if text_chars > self._max_text_chars:
            raise RejectedInput(
                RejectReason.TOO_LARGE,
                f"{text_chars} characters of article text in {len(articles)} article(s) exceed the "
                f"{self._max_text_chars} one object may hold: split it into smaller objects",
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

    def _ingest(self, change: ObjectChange) -> PreparedChange:
        source = change.source
        try:
            fetched = self._store.fetch(source, max_bytes=self._max_object_bytes)
        except ObjectTooLarge as exc:
            rejection = article_rejected_event(
                source, reason=RejectReason.TOO_LARGE, message=str(exc), received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection])
        except ObjectGone:
            return PreparedChange(change)
        source = source.model_copy(
            update={
                "etag": source.etag or fetched.etag,
                "version_id": source.version_id or fetched.version_id,
            }
        )
        try:
            articles = self.analyse(fetched, source)
        except RejectedInput as exc:
            rejection = article_rejected_event(
                source, reason=RejectReason(exc.reason), message=exc.message, received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection])
        except Exception as exc:  # one object's parse must never fail its batch
            # Retrying cannot help (the same bytes fail the same way), and a record that fails five
            # times lands in the dead-letter queue with nothing on record: reject it instead, with
            # the type, so the failure is visible, countable and the object can be replayed later.
            self._on_parse_error(source, exc)
            message = f"{type(exc).__name__}: {exc}"[:PARSE_ERROR_MESSAGE_CHARS]
            rejection = article_rejected_event(
                source, reason=RejectReason.PARSE_ERROR, message=message, received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection])
        return PreparedChange(change, articles=articles)

"""The ingest stage: S3 messages in, stored articles and events out, as plain Python.

`IngestService.process_batch` is the whole flow of one invocation: every message's object changes
are prepared (read, parsed, analysed), the batch's articles are stored as one newline-delimited
JSON object, and only then is each change announced, once (the `Once` passed in). A message fails
alone (and is retried by its queue) when reading or announcing it fails; bad input is never a
failure but an `ArticleRejected`. The Lambda adapter only wires AWS, Powertools and this together.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from newsingest.errors import RejectedInput, RejectReason
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    article_deleted_event,
    article_parsed_event,
    article_rejected_event,
)
from newsingest.limits import DEFAULT_MAX_TEXT_CHARS, PARSED_PREFIX
from newsingest.models import Article, EntityStatus, SourceRef
from newsingest.triggers import ChangeKind, ObjectChange, changes_in, parse_s3_message

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
PARSE_ERROR_MESSAGE_CHARS = 500
"""A rejection's message carries the exception's type and the start of its text: enough to group
and reproduce failures, bounded so a huge exception text cannot bloat the event (256 KB SQS cap)."""

MIN_REMAINING_MS_TO_PREPARE = 25_000
"""A message is prepared only while this much of the invocation is left (the first always is): one
object may take up to about 20 s (`MAX_TEXT_CHARS` is sized for that at the function's 576 MB), and
storing the batch and announcing it takes a second or two. A message not started in time fails,
to be delivered again, so a batch of large uploads does not time out whole into the DLQ."""


@dataclass(frozen=True)
class QueuedMessage:
    """One message of a batch: its id (for the partial-failure response) and its decoded body."""

    message_id: str
    body: Any


class Once(Protocol):
    """Runs `announce` at most once per change, across duplicate deliveries (Powertools
    Idempotency in Lambda); a failed run must leave the change free to run again."""

    def __call__(self, change: ObjectChange, announce: Callable[[], list[IngestEvent]]) -> object: ...


class IngestObserver(Protocol):
    """What the flow reports for logs and metrics (Powertools Logger and Metrics in Lambda)."""

    def prepared(self, change: ObjectChange, elapsed_ms: float) -> None: ...

    def parse_failed(self, source: SourceRef, error: Exception) -> None: ...

    def deferred(self, message_id: str, remaining_ms: int) -> None: ...

    def message_failed(self, message_id: str, error: Exception) -> None: ...

    def announced(self, change: ObjectChange, events: Sequence[IngestEvent]) -> None: ...


class SilentObserver:
    """Reports nothing: the events themselves record what happened."""

    def prepared(self, change: ObjectChange, elapsed_ms: float) -> None:
        pass

    def parse_failed(self, source: SourceRef, error: Exception) -> None:
        pass

    def deferred(self, message_id: str, remaining_ms: int) -> None:
        pass

    def message_failed(self, message_id: str, error: Exception) -> None:
        pass

    def announced(self, change: ObjectChange, events: Sequence[IngestEvent]) -> None:
        pass


def announce_every_time(change: ObjectChange, announce: Callable[[], list[IngestEvent]]) -> object:
    """A `Once` for where no idempotency store is configured: every delivery announces."""
    return announce()


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
        observer: IngestObserver | None = None,
    ) -> None:
        self._objects = store
        self._publisher = publisher
        self._parsed_bucket = parsed_bucket
        self._max_object_bytes = max_object_bytes
        self._max_text_chars = max_text_chars
        self._parse = parse
        self._analyse = analyse
        self._observer: IngestObserver = observer or SilentObserver()

    def process_batch(
        self, messages: Sequence[QueuedMessage], *, remaining_ms: Callable[[], int], once: Once
    ) -> list[str]:
        """Prepare every message, store the batch's articles, then announce each change once;
        returns the ids of the messages to deliver again. Nothing is announced before it is
        stored: a failed store raises, and the whole batch is delivered again."""
        prepared: dict[str, list[PreparedChange]] = {}
        failed: list[str] = []
        for message in messages:
            left = remaining_ms()
            if prepared and left < MIN_REMAINING_MS_TO_PREPARE:
                self._observer.deferred(message.message_id, left)
                failed.append(message.message_id)
                continue
            try:
                prepared[message.message_id] = [
                    self._prepare(change) for change in changes_in(parse_s3_message(message.body))
                ]
            except Exception as exc:  # S3 unavailable, or not an S3 message: this message alone retries
                self._observer.message_failed(message.message_id, exc)
                failed.append(message.message_id)
        self._store([item for items in prepared.values() for item in items])
        for message_id, items in prepared.items():
            try:
                for item in items:
                    once(item.change, functools.partial(self._announce, item))
            except Exception as exc:  # SQS refused the events: announced again on redelivery
                self._observer.message_failed(message_id, exc)
                failed.append(message_id)
        return [message.message_id for message in messages if message.message_id in failed]

    def handle(self, change: ObjectChange) -> list[IngestEvent]:
        """One change on its own, announced every time (tests, tools): its events."""
        prepared = self._prepare(change)
        self._store([prepared])
        return self._announce(prepared)

    def warm_up(self) -> None:
        """Load the NLP model and run it once, so the first article pays no loading cost."""
        self._analyse("NATO met in Brussels.", title=None)

    def _prepare(self, change: ObjectChange) -> PreparedChange:
        """Read and analyse a created object (or the version a permanent delete made current); a
        removal or a refused object is final here."""
        started = time.perf_counter()
        if change.kind is ChangeKind.CREATED:
            prepared = self._ingest(change, change.source)
            self._observer.prepared(change, (time.perf_counter() - started) * 1000)
            return prepared
        deleted = article_deleted_event(change.source, received_at=change.event_time)
        if change.source.version_id is None:  # a delete marker, or an unversioned bucket: gone
            return PreparedChange(change, outcome=[deleted])
        # A version was deleted for good. If another is now current (an older version, or the one a
        # deleted delete marker hid), S3 sends no create for it, yet it is what users now see.
        current = self._ingest(change, change.source.model_copy(update={"version_id": None, "etag": None}))
        return PreparedChange(change, articles=current.articles, outcome=[deleted, *current.outcome])

    def _store(self, batch: Sequence[PreparedChange]) -> None:
        """Write every article of the batch as one line of one object (none when there is none)."""
        lines = [
            (prepared, article.model_dump_json().encode("utf-8")) for prepared in batch for article in prepared.articles
        ]
        if not lines:
            return
        body = b"".join(line + b"\n" for _, line in lines)  # compact JSON never holds a raw newline
        day = min(prepared.change.event_time for prepared in batch if prepared.articles).date().isoformat()
        key = batch_key(body, day)
        self._objects.put_lines(self._parsed_bucket, key, body)
        uri = f"s3://{self._parsed_bucket}/{key}"
        for prepared in batch:
            prepared.stored.clear()
        offset = 0
        for prepared, line in lines:
            prepared.stored.append(StoredLine(uri, f"bytes={offset}-{offset + len(line) - 1}"))
            offset += len(line) + 1

    def _announce(self, prepared: PreparedChange) -> list[IngestEvent]:
        """Send a stored change's events (a rejection or deletion, then one per article)."""
        if len(prepared.stored) != len(prepared.articles):
            raise RuntimeError("announce before store: the articles have no parsed location yet")
        events: list[IngestEvent] = [
            *prepared.outcome,
            *(
                article_parsed_event(
                    article,
                    parsed_uri=line.uri,
                    parsed_range=line.byte_range,
                    received_at=prepared.change.event_time,
                    record_count=len(prepared.articles),
                )
                for article, line in zip(prepared.articles, prepared.stored, strict=True)
            ),
        ]
        if events:
            self._publisher.publish(events)
        self._observer.announced(prepared.change, events)
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

    def _ingest(self, change: ObjectChange, source: SourceRef) -> PreparedChange:
        try:
            fetched = self._objects.fetch(source, max_bytes=self._max_object_bytes)
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
            self._observer.parse_failed(source, exc)
            message = f"{type(exc).__name__}: {exc}"[:PARSE_ERROR_MESSAGE_CHARS]
            rejection = article_rejected_event(
                source, reason=RejectReason.PARSE_ERROR, message=message, received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection])
        return PreparedChange(change, articles=articles)

"""The ingest stage as plain Python: `IngestService.process_batch` is one invocation's whole flow
(read and parse every message's objects, analyse their texts in one model pass, store the batch's
articles as one NDJSON object, then announce each change once), so the Lambda adapter only wires
AWS and Powertools to it. Bad input is never a failure but an `ArticleRejected`; a message fails
alone, to be delivered again, only when S3 or SQS does; nothing is announced before it is stored."""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from newsingest.crashpoints import Boundary, reached
from newsingest.errors import RejectedInput, RejectReason
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    article_deleted_event,
    article_parsed_event,
    article_rejected_event,
)
from newsingest.limits import DEFAULT_MAX_OBJECT_BYTES, DEFAULT_MAX_TEXT_CHARS, PARSED_PREFIX
from newsingest.models import Article, EntityStatus, SourceRef
from newsingest.stories.signature import signature_of
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
    read_at: datetime | None = None
    """When the store answered, by its own clock (S3's `Date` header), where it says."""


class ObjectTooLarge(Exception):
    """The object is over the configured size: it is never read whole."""

    def __init__(
        self,
        size: int,
        limit: int,
        *,
        version_id: str | None = None,
        etag: str | None = None,
        read_at: datetime | None = None,
    ) -> None:
        super().__init__(f"object is {size} bytes, over the {limit}-byte limit")
        self.size = size
        self.limit = limit
        self.version_id = version_id
        self.etag = etag
        self.read_at = read_at


class ObjectGone(Exception):
    """The object was deleted (or replaced) before we read it: its own event will follow."""

    def __init__(self, message: str, *, read_at: datetime | None = None) -> None:
        super().__init__(message)
        self.read_at = read_at


class ObjectStore(Protocol):
    """Reads originals and writes parsed articles (S3 in AWS)."""

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        """Raises ObjectTooLarge before reading an oversized body, ObjectGone for a vanished version."""
        ...

    def put_lines(self, bucket: str, key: str, body: bytes) -> None: ...


class EventPublisher(Protocol):
    """Sends all the events to the index queue (SQS in AWS), or raises."""

    def publish(self, events: Sequence[IngestEvent]) -> None: ...


Parser = Callable[..., list[Article]]
BatchAnalyser = Callable[[Sequence[tuple[str, str | None]]], list["TextAnalysis"]]
"""(text, title) pairs in, one analysis each out, in one model pass (`entities.analyse_texts`)."""
PARSE_ERROR_MESSAGE_CHARS = 500
"""Enough of an exception's text to group failures; bounded for SQS's 256 KB message cap."""

ANALYSIS_BATCH_CHARS = 60_000
"""Parsed text that may wait for the batch's model pass: ten news articles, ~2.5 s of NER at 576 MB
(a third of one core's 70,000 characters a second), so a time check never has more unseen behind it."""

MIN_REMAINING_MS_TO_PREPARE = 25_000
"""A message is started only with this much of the invocation left (the first always is): one object
may take ~20 s (`MAX_TEXT_CHARS`), storing and announcing a second or two. Later messages fail, to be
delivered again, so a batch of large uploads never times out whole into the DLQ."""


@dataclass(frozen=True)
class QueuedMessage:
    """One message of a batch: its id (for the partial-failure response) and its body, the JSON
    text SQS delivered or the event a direct invocation received."""

    message_id: str
    body: str | dict[str, Any]

    def payload(self) -> Any:
        return json.loads(self.body) if isinstance(self.body, str) else self.body


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
    """Reports nothing (tests, tools): the events themselves record what happened."""

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
    analysed: bool = False


BATCH_KEY_HEX_CHARS = 32
"""128 bits of the body's SHA-256: collisions are out of reach at any object count."""


def batch_key(body: bytes, day: str) -> str:
    """Content-addressed (a retry with the same bytes rewrites the same key; a byte range is only
    valid for its own body), day-partitioned (`dt=`) for Athena and Spark."""
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
        analyse: BatchAnalyser,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        observer: IngestObserver | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._clock = clock
        self._objects = store
        self._publisher = publisher
        self._parsed_bucket = parsed_bucket
        self._max_object_bytes = max_object_bytes
        self._max_text_chars = max_text_chars
        self._parse = parse
        self._analyse = analyse
        self._observer: IngestObserver = observer or SilentObserver()

    @classmethod
    def wired(
        cls,
        *,
        store: ObjectStore,
        publisher: EventPublisher,
        parsed_bucket: str,
        max_object_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        observer: IngestObserver | None = None,
    ) -> IngestService:
        """The service with the real parser and analyser, as the ingest function runs it (the
        handler, `newsingest parse` and the benchmarks build it here, so they cannot drift)."""
        from newsingest.entities.analysis import analyse_texts
        from newsingest.parsing import parse_articles

        return cls(
            store=store,
            publisher=publisher,
            parsed_bucket=parsed_bucket,
            max_object_bytes=max_object_bytes,
            max_text_chars=max_text_chars,
            parse=parse_articles,
            analyse=analyse_texts,
            observer=observer,
        )

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
                    self._prepare(change) for change in changes_in(parse_s3_message(message.payload()))
                ]
            except Exception as exc:  # S3 unavailable, or not an S3 message: this message alone retries
                self._observer.message_failed(message.message_id, exc)
                failed.append(message.message_id)
                continue
            waiting = [item for items in prepared.values() for item in items if not item.analysed]
            if sum(len(article.text) for item in waiting for article in item.articles) >= ANALYSIS_BATCH_CHARS:
                self._analyse_together(waiting)
        batch = [item for items in prepared.values() for item in items]
        self._analyse_together([item for item in batch if not item.analysed])
        reached(Boundary.INGEST_PARSED)
        self._store(batch)
        reached(Boundary.INGEST_STORED)
        for number, (message_id, items) in enumerate(prepared.items()):
            if number:
                reached(Boundary.INGEST_BETWEEN_RECORDS)
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
        self._analyse_together([prepared])
        self._store([prepared])
        return self._announce(prepared)

    def warm_up(self) -> None:
        """Load the NLP model and run it once, so the first article pays no loading cost."""
        self._analyse([("NATO met in Brussels.", None)])

    def _prepare(self, change: ObjectChange) -> PreparedChange:
        """Read and analyse a created object (or the version a permanent delete made current); a
        removal or a refused object is final here."""
        started = time.perf_counter()
        if change.replay is not None:
            prepared = self._replay(change)
            self._observer.prepared(change, (time.perf_counter() - started) * 1000)
            return prepared
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
        processed_at = self._clock()
        events: list[IngestEvent] = [
            *prepared.outcome,
            *(
                article_parsed_event(
                    article,
                    parsed_uri=line.uri,
                    parsed_range=line.byte_range,
                    received_at=prepared.change.event_time,
                    record_count=len(prepared.articles),
                    processed_at=processed_at,
                )
                for article, line in zip(prepared.articles, prepared.stored, strict=True)
            ),
        ]
        if events:
            self._publisher.publish(events)
        self._observer.announced(prepared.change, events)
        return events

    def analyse(self, fetched: FetchedObject, source: SourceRef) -> list[Article]:
        """Parse one object and add entities, quotes, dates and amounts, as the batch flow does
        (the CPU-bound core, no AWS needed: the CLI's `parse` and the benchmarks)."""
        return self._enrich(self._parse_object(fetched, source))

    def _parse_object(self, fetched: FetchedObject, source: SourceRef) -> list[Article]:
        """An object whose articles hold more text than `max_text_chars` is refused as `too_large`
        before any entity extraction, which would outlast the function's timeout."""
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
        return articles

    def _enrich(self, articles: Sequence[Article]) -> list[Article]:
        """The articles with what one model pass over all their texts finds (English only), and
        each one's MinHash signature (every language)."""
        english = [article for article in articles if article.language in (ENGLISH, None)]
        analyses = iter(self._analyse([(article.text, article.title) for article in english]) if english else [])
        enriched = []
        for article in articles:
            signature = signature_of(article.text)
            if article.language not in (ENGLISH, None):
                enriched.append(
                    article.model_copy(update={"entity_status": EntityStatus.SKIPPED_LANGUAGE, "signature": signature})
                )
                continue
            analysis = next(analyses)
            enriched.append(
                article.model_copy(
                    update={
                        "signature": signature,
                        "entities": analysis.entities,
                        "quotes": analysis.quotes,
                        "dates": analysis.dates,
                        "amounts": analysis.amounts,
                        "entity_status": EntityStatus.EXTRACTED,
                        "entity_model": analysis.entity_model,
                        "alias_table_version": analysis.alias_table_version,
                    }
                )
            )
        return enriched

    def _analyse_together(self, items: Sequence[PreparedChange]) -> None:
        """Enrich the parsed articles of several changes in one model pass; should it raise, each
        change is analysed alone, so the one that fails becomes a `parse_error` on its own."""
        articles = [article for item in items for article in item.articles]
        try:
            enriched = iter(self._enrich(articles))
        except Exception:  # isolated below, change by change
            for item in items:
                self._analyse_alone(item)
            return
        for item in items:
            item.articles = [next(enriched) for _ in item.articles]
            item.analysed = True

    def _analyse_alone(self, item: PreparedChange) -> None:
        try:
            item.articles = self._enrich(item.articles)
        except Exception as exc:
            source = item.articles[0].source if item.articles else item.change.source
            item.articles, item.outcome = [], [*item.outcome, self._parse_error(item.change, source, exc)]
        item.analysed = True

    def _parse_error(self, change: ObjectChange, source: SourceRef, error: Exception) -> ArticleRejectedEvent:
        # Retrying cannot help (the same bytes fail the same way), and a record that fails five
        # times lands in the dead-letter queue with nothing on record: reject it, naming the type.
        self._observer.parse_failed(source, error)
        message = f"{type(error).__name__}: {error}"[:PARSE_ERROR_MESSAGE_CHARS]
        return article_rejected_event(
            source, reason=RejectReason.PARSE_ERROR, message=message, received_at=change.event_time
        )

    def _replay(self, change: ObjectChange) -> PreparedChange:
        """A message a newsingest tool sent (backfill, reconcile --fix) asks for whatever the key holds
        now, whichever version or kind it names: the current version is read and stamped with when it
        was read (`observed_at`), so the index orders it after every change S3 made before the read and
        before every change after it (docs/decisions.md#operations). A key that holds nothing is
        announced deleted."""
        current = change.source.model_copy(update={"version_id": None, "etag": None, "sequencer": None})
        return self._ingest(change, current, replay_started=self._clock())

    def _ingest(
        self, change: ObjectChange, source: SourceRef, *, replay_started: datetime | None = None
    ) -> PreparedChange:
        try:
            fetched = self._objects.fetch(source, max_bytes=self._max_object_bytes)
        except ObjectTooLarge as exc:
            if replay_started is not None:
                source = source.model_copy(
                    update={
                        "version_id": exc.version_id,
                        "etag": exc.etag,
                        "observed_at": _earliest(replay_started, exc.read_at),
                    }
                )
            rejection = article_rejected_event(
                source, reason=RejectReason.TOO_LARGE, message=str(exc), received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection])
        except ObjectGone as exc:
            if replay_started is None:
                return PreparedChange(change)
            gone = source.model_copy(update={"observed_at": _earliest(replay_started, exc.read_at)})
            return PreparedChange(change, outcome=[article_deleted_event(gone, received_at=change.event_time)])
        source = source.model_copy(
            update={
                "etag": source.etag or fetched.etag,
                "version_id": source.version_id or fetched.version_id,
            }
        )
        if replay_started is not None:
            source = source.model_copy(update={"observed_at": _earliest(replay_started, fetched.read_at)})
        try:
            articles = self._parse_object(fetched, source)
        except RejectedInput as exc:
            rejection = article_rejected_event(
                source, reason=RejectReason(exc.reason), message=exc.message, received_at=change.event_time
            )
            return PreparedChange(change, outcome=[rejection], analysed=True)
        except Exception as exc:  # one object's parse must never fail its batch
            return PreparedChange(change, outcome=[self._parse_error(change, source, exc)], analysed=True)
        return PreparedChange(change, articles=articles)


def _earliest(local: datetime, store: datetime | None) -> datetime:
    """When a replayed read happened, on the safe side: our clock just before the request, or S3's
    answer if its clock (the one its event times use) says earlier."""
    return local if store is None or local <= store else store

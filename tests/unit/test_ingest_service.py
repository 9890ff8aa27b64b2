"""The ingest flow without AWS, on in-memory fakes: one parsed-output object per batch, whose byte
ranges are exactly each article's line; nothing announced before it is stored; each change
announced once; a message fails alone; messages not started in time are left for later."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import pytest

from newsingest.entities import analyse_texts
from newsingest.entities.aliases import alias_table
from newsingest.entities.analysis import ENTITY_MODEL
from newsingest.events import ArticleDeletedEvent, ArticleParsedEvent, ArticleRejectedEvent
from newsingest.ingest import (
    MIN_REMAINING_MS_TO_PREPARE,
    FetchedObject,
    IngestEvent,
    IngestService,
    ObjectGone,
    Once,
    QueuedMessage,
    SilentObserver,
    announce_every_time,
    batch_key,
)
from newsingest.limits import DEFAULT_MAX_TEXT_CHARS
from newsingest.models import SourceRef
from newsingest.parsing import parse_articles
from newsingest.triggers import ChangeKind, ObjectChange
from newsingest.version import __version__

BUCKET = "articles"
RECEIVED = datetime(2025, 3, 4, 23, 59, tzinfo=UTC)


class MemoryStore:
    """The service's ObjectStore over a dict: what it reads, and every object it writes."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.written: dict[str, bytes] = {}

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        return FetchedObject(self.objects[source.key], None, None, "etag", None)

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        self.written[key] = body


class MemoryPublisher:
    def __init__(self) -> None:
        self.sent: list[IngestEvent] = []

    def publish(self, events: Sequence[IngestEvent]) -> None:
        self.sent.extend(events)


def story(n: int) -> bytes:
    return (f"Story {n}\n\n" + f"Paragraph {n} of a story about the harbour, told at length. " * 12).encode()


def service_over(store: MemoryStore, publisher: MemoryPublisher, **overrides: Any) -> IngestService:
    """The service as the handler builds it, over in-memory fakes (any argument overridden)."""
    arguments: dict[str, Any] = {
        "parsed_bucket": BUCKET,
        "max_object_bytes": 1_000_000,
        "parse": parse_articles,
        "analyse": analyse_texts,
    }
    return IngestService(store=store, publisher=publisher, **(arguments | overrides))


def service(
    objects: dict[str, bytes], max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
) -> tuple[IngestService, MemoryStore, MemoryPublisher]:
    store, publisher = MemoryStore(objects), MemoryPublisher()
    return service_over(store, publisher, max_text_chars=max_text_chars), store, publisher


def change(key: str, kind: ChangeKind = ChangeKind.CREATED) -> ObjectChange:
    return ObjectChange(kind=kind, source=SourceRef(bucket="uploads", key=key), event_time=RECEIVED)


def message(item: ObjectChange, message_id: str | None = None) -> QueuedMessage:
    """The SQS message S3 would send for the change (key URL-encoded, as S3 encodes it)."""
    name = "ObjectCreated:Put" if item.kind is ChangeKind.CREATED else "ObjectRemoved:Delete"
    described: dict[str, object] = {"key": quote_plus(item.source.key)}
    if item.source.version_id:
        described["versionId"] = item.source.version_id
    record = {
        "eventName": name,
        "eventTime": item.event_time.isoformat(),
        "s3": {"bucket": {"name": item.source.bucket}, "object": described},
    }
    return QueuedMessage(message_id or item.source.key, {"Records": [record]})


PLENTY_OF_TIME_MS = 60_000


def run(ingest: IngestService, changes: list[ObjectChange], once: Once = announce_every_time) -> list[str]:
    """One invocation over the changes, one message each; the ids of the messages that failed."""
    return ingest.process_batch([message(item) for item in changes], remaining_ms=lambda: PLENTY_OF_TIME_MS, once=once)


def test_a_batch_is_one_object_and_each_range_is_exactly_its_article() -> None:
    # Given two text uploads, a JSON file of two records, a removal and an empty upload
    records = json.dumps([{"title": f"Record {n}", "content": story(n).decode()} for n in (3, 4)]).encode()
    objects = {"a.txt": story(1), "b.txt": story(2), "feed.json": records, "empty.txt": b""}
    ingest, store, publisher = service(objects)
    changes = [change(key) for key in objects] + [change("gone.txt", ChangeKind.REMOVED)]
    # When the batch is processed
    assert run(ingest, changes) == []
    events = publisher.sent
    # Then one object holds the four articles, under the day S3 reported
    [(key, body)] = store.written.items()
    assert re.fullmatch(r"parsed/dt=2025-03-04/[0-9a-f]{32}\.ndjson", key)
    assert key == batch_key(body, "2025-03-04")
    parsed = [event for event in events if isinstance(event, ArticleParsedEvent)]
    assert len(parsed) == len(body.splitlines()) == 4
    for event in parsed:
        start, end = map(int, event.data.parsed_range.removeprefix("bytes=").split("-"))
        line = json.loads(body[start : end + 1])
        assert line["id"] == event.data.article_id and event.data.parsed_uri == f"s3://{BUCKET}/{key}"
    assert sorted(event.data.record_count for event in parsed) == [1, 1, 2, 2]
    # And the removal and the rejection are announced too, nothing twice
    assert [type(event) for event in events].count(ArticleDeletedEvent) == 1
    assert [type(event) for event in events].count(ArticleRejectedEvent) == 1
    assert len({event.id for event in events}) == len(events)


def test_the_key_is_the_body_s_digest() -> None:
    assert batch_key(b"a\n", "2025-01-01") == batch_key(b"a\n", "2025-01-01")
    assert batch_key(b"a\n", "2025-01-01") != batch_key(b"b\n", "2025-01-01")


class BrokenStore(MemoryStore):
    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        raise ConnectionError("S3 is unavailable")


def test_nothing_is_announced_before_it_is_stored() -> None:
    # Given a store that cannot write the batch's object
    store, publisher = BrokenStore({"a.txt": story(1)}), MemoryPublisher()
    ingest = service_over(store, publisher)
    # When / Then the whole batch fails (to be delivered again) and nothing was announced
    with pytest.raises(ConnectionError):
        run(ingest, [change("a.txt"), change("gone.txt", ChangeKind.REMOVED)])
    assert publisher.sent == []


def test_a_batch_without_articles_writes_nothing() -> None:
    ingest, store, _ = service({"empty.txt": b""})
    assert run(ingest, [change("empty.txt"), change("gone.txt", ChangeKind.REMOVED)]) == []
    assert store.written == {}


class RefusingPublisher(MemoryPublisher):
    """Refuses the events of one key, as SQS may refuse a send."""

    def __init__(self, refused_key: str) -> None:
        super().__init__()
        self.refused_key = refused_key

    def publish(self, events: Sequence[IngestEvent]) -> None:
        if any(event.subject == self.refused_key for event in events):
            raise ConnectionError("SQS refused the send")
        super().publish(events)


class MemoryOnce:
    """Idempotency over a dict, as Powertools keeps it in DynamoDB: a change whose announcement
    completed is not announced again; one that failed is free to run again."""

    def __init__(self) -> None:
        self.done: set[str] = set()

    def __call__(self, item: ObjectChange, announce: Callable[[], list[IngestEvent]]) -> object:
        key = f"{item.kind}|{item.source.key}|{item.source.version_id}"
        if key in self.done:
            return None
        result = announce()
        self.done.add(key)
        return result


def test_a_message_whose_events_are_refused_fails_alone_and_is_announced_once_when_delivered_again() -> None:
    # Given a batch where SQS refuses the events of one upload
    store, publisher = MemoryStore({"a.txt": story(1), "b.txt": story(2)}), RefusingPublisher("b.txt")
    ingest = service_over(store, publisher)
    once = MemoryOnce()
    # When the batch is processed, then both messages are delivered again once SQS is back
    assert run(ingest, [change("a.txt"), change("b.txt")], once) == ["b.txt"]
    publisher.refused_key = ""
    assert run(ingest, [change("a.txt"), change("b.txt")], once) == []
    # Then each upload was announced exactly once
    assert sorted(event.subject for event in publisher.sent) == ["a.txt", "b.txt"]


def test_a_message_that_is_not_from_s3_fails_alone() -> None:
    ingest, _, publisher = service({"a.txt": story(1)})
    messages = [
        QueuedMessage("poison", {"hello": "world"}),
        QueuedMessage("text", "not json"),
        message(change("a.txt")),
    ]
    assert ingest.process_batch(messages, remaining_ms=lambda: PLENTY_OF_TIME_MS, once=announce_every_time) == [
        "poison",
        "text",
    ]
    assert [event.subject for event in publisher.sent] == ["a.txt"]


def test_messages_not_started_in_time_are_left_for_a_later_invocation() -> None:
    # Given an invocation whose clock runs out after the first message
    ingest, store, publisher = service({"a.txt": story(1), "b.txt": story(2), "c.txt": story(3)})
    clock = iter([PLENTY_OF_TIME_MS, MIN_REMAINING_MS_TO_PREPARE - 1, MIN_REMAINING_MS_TO_PREPARE - 1])
    messages = [message(change(key)) for key in ("a.txt", "b.txt", "c.txt")]
    # When
    failed = ingest.process_batch(messages, remaining_ms=lambda: next(clock), once=announce_every_time)
    # Then the first is stored and announced, the others are reported failed, untouched
    assert failed == ["b.txt", "c.txt"]
    assert [event.subject for event in publisher.sent] == ["a.txt"] and len(store.written) == 1


def test_an_object_holding_more_text_than_one_invocation_can_analyse_is_rejected_whole() -> None:
    # Given a limit between one story's text and a feed of three stories
    feed = b"\n".join(json.dumps({"title": f"Record {n}", "content": story(n).decode()}).encode() for n in (1, 2, 3))
    one_story = len(parse_articles(story(1), key="a.txt")[0].text)
    ingest, store, publisher = service({"feed.ndjson": feed, "a.txt": story(1)}, max_text_chars=2 * one_story)

    # When
    assert run(ingest, [change("feed.ndjson"), change("a.txt")]) == []
    events = publisher.sent

    # Then the feed is refused with a reason that says what to do, and the single story goes through
    rejection, parsed = events
    assert isinstance(rejection, ArticleRejectedEvent) and rejection.data.reason == "too_large"
    assert "3 article(s)" in rejection.data.message and "split it" in rejection.data.message
    assert isinstance(parsed, ArticleParsedEvent) and parsed.data.source.key == "a.txt"
    [(_, body)] = store.written.items()
    assert body.count(b"\n") == 1


class FailureLog(SilentObserver):
    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures

    def parse_failed(self, source: SourceRef, error: Exception) -> None:
        self.failures.append((source.key, type(error).__name__))


@pytest.mark.parametrize("failing_step", ["parse", "analyse"])
def test_an_exception_while_parsing_one_object_rejects_it_and_spares_the_batch(failing_step: str) -> None:
    # Given a batch where one object makes the parser (or the entity extractor) raise an exception
    # that is not a RejectedInput, as lxml's "too many bodies" assertion once did on real pages
    def parse(data: bytes, **kwargs: object) -> list[object]:
        if failing_step == "parse" and data == b"<title>never closed":
            raise AssertionError("too many bodies")
        return list(parse_articles(data, **kwargs))  # type: ignore[arg-type]

    def analyse(items: Sequence[tuple[str, str | None]]) -> list[Any]:
        if failing_step == "analyse" and any("never closed" in text for text, _ in items):
            raise AssertionError("too many bodies")
        return list(analyse_texts(items))

    failures: list[tuple[str, str]] = []
    store, publisher = MemoryStore({"bad.html": b"<title>never closed", "good.txt": story(1)}), MemoryPublisher()
    if failing_step == "analyse":
        store.objects["bad.html"] = b"A headline\n\n" + b"This story was never closed, said the editor. " * 20
    ingest = service_over(store, publisher, parse=parse, analyse=analyse, observer=FailureLog(failures))
    # When the batch runs
    assert run(ingest, [change("bad.html"), change("good.txt")]) == []
    events = publisher.sent
    # Then the bad object is rejected as parse_error naming the exception, the hook heard of it,
    # and the good one is parsed as usual
    rejected = [event for event in events if isinstance(event, ArticleRejectedEvent)]
    assert [(event.data.source.key, event.data.reason) for event in rejected] == [("bad.html", "parse_error")]
    assert rejected[0].data.message.startswith("AssertionError: too many bodies")
    assert failures == [("bad.html", "AssertionError")]
    assert [event.data.source.key for event in events if isinstance(event, ArticleParsedEvent)] == ["good.txt"]


class VersionedStore(MemoryStore):
    """A versioned bucket: reads by version id, or the current version when none is named."""

    def __init__(self, versions: dict[str, bytes], current: str | None) -> None:
        super().__init__({})
        self.versions, self.current = versions, current

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        version = source.version_id or self.current
        if version is None or version not in self.versions:
            raise ObjectGone(source.key)
        return FetchedObject(self.versions[version], None, None, f"etag-{version}", version)


@pytest.mark.parametrize(
    ("removed", "current", "expected"),
    [
        (None, "v1", ["deleted"]),  # a delete marker hides the object, whatever versions remain
        ("v2", None, ["deleted"]),  # the last version deleted for good
        ("v2", "v1", ["deleted", "parsed v1"]),  # the older version is current again
    ],
)
def test_a_permanent_delete_indexes_the_version_it_makes_current(
    removed: str | None, current: str | None, expected: list[str]
) -> None:
    store, publisher = VersionedStore({"v1": story(1)} if current else {}, current), MemoryPublisher()
    ingest = service_over(store, publisher)
    removal = ObjectChange(
        kind=ChangeKind.REMOVED,
        source=SourceRef(bucket="uploads", key="a.txt", version_id=removed),
        event_time=RECEIVED,
    )
    events = ingest.handle(removal)
    described = [
        f"parsed {event.data.source.version_id}" if isinstance(event, ArticleParsedEvent) else "deleted"
        for event in events
    ]
    assert described == expected
    assert isinstance(events[0], ArticleDeletedEvent) and events[0].data.source.version_id == removed


def test_each_article_event_says_when_it_was_announced_and_which_versions_made_it() -> None:
    # Given a service whose clock reads a known moment
    announced = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    store, publisher = MemoryStore({"a.txt": story(1)}), MemoryPublisher()
    ingest = service_over(store, publisher, clock=lambda: announced)
    # When an upload is processed
    assert run(ingest, [change("a.txt")]) == []
    # Then its event carries the moment (which orders re-processings) and the versions
    [event] = [event for event in publisher.sent if isinstance(event, ArticleParsedEvent)]
    assert event.data.processed_at == announced
    assert event.data.made_by == f"{__version__}/{ENTITY_MODEL}/{alias_table().version}"

"""The ingest service's batch steps without AWS: one parsed-output object per batch, whose byte
ranges are exactly each article's line, and nothing announced before it is stored."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from newsingest.entities import analyse_text
from newsingest.events import ArticleDeletedEvent, ArticleParsedEvent, ArticleRejectedEvent
from newsingest.ingest import FetchedObject, IngestEvent, IngestService, batch_key
from newsingest.models import SourceRef
from newsingest.parsing import parse_articles
from newsingest.settings import DEFAULT_MAX_TEXT_CHARS
from newsingest.triggers import ChangeKind, ObjectChange

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


def service(
    objects: dict[str, bytes], max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
) -> tuple[IngestService, MemoryStore, MemoryPublisher]:
    store, publisher = MemoryStore(objects), MemoryPublisher()
    ingest = IngestService(
        store=store,
        publisher=publisher,
        parsed_bucket=BUCKET,
        max_object_bytes=1_000_000,
        max_text_chars=max_text_chars,
        parse=parse_articles,
        analyse=analyse_text,
    )
    return ingest, store, publisher


def change(key: str, kind: ChangeKind = ChangeKind.CREATED) -> ObjectChange:
    return ObjectChange(kind=kind, source=SourceRef(bucket="uploads", key=key), event_time=RECEIVED)


def test_a_batch_is_one_object_and_each_range_is_exactly_its_article() -> None:
    # Given two text uploads, a JSON file of two records, a removal and an empty upload
    records = json.dumps([{"title": f"Record {n}", "content": story(n).decode()} for n in (3, 4)]).encode()
    objects = {"a.txt": story(1), "b.txt": story(2), "feed.json": records, "empty.txt": b""}
    ingest, store, publisher = service(objects)
    changes = [change(key) for key in objects] + [change("gone.txt", ChangeKind.REMOVED)]
    # When the batch is prepared, stored once, then published record by record
    prepared = [ingest.prepare(item) for item in changes]
    ingest.store(prepared)
    events = [event for item in prepared for event in ingest.publish(item)]
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
    assert publisher.sent == events


def test_the_key_is_the_body_s_digest() -> None:
    assert batch_key(b"a\n", "2025-01-01") == batch_key(b"a\n", "2025-01-01")
    assert batch_key(b"a\n", "2025-01-01") != batch_key(b"b\n", "2025-01-01")


def test_nothing_is_published_before_it_is_stored() -> None:
    ingest, store, publisher = service({"a.txt": story(1)})
    prepared = ingest.prepare(change("a.txt"))
    with pytest.raises(RuntimeError, match="publish before store"):
        ingest.publish(prepared)
    assert publisher.sent == [] and store.written == {}


def test_a_batch_without_articles_writes_nothing() -> None:
    ingest, store, _ = service({"empty.txt": b""})
    prepared = [ingest.prepare(change("empty.txt")), ingest.prepare(change("gone.txt", ChangeKind.REMOVED))]
    ingest.store(prepared)
    assert store.written == {}


def test_an_object_holding_more_text_than_one_invocation_can_analyse_is_rejected_whole() -> None:
    # Given a limit between one story's text and a feed of three stories
    feed = b"\n".join(json.dumps({"title": f"Record {n}", "content": story(n).decode()}).encode() for n in (1, 2, 3))
    one_story = len(parse_articles(story(1), key="a.txt")[0].text)
    ingest, store, publisher = service({"feed.ndjson": feed, "a.txt": story(1)}, max_text_chars=2 * one_story)

    # When
    prepared = [ingest.prepare(change("feed.ndjson")), ingest.prepare(change("a.txt"))]
    ingest.store(prepared)
    events = [event for item in prepared for event in ingest.publish(item)]

    # Then the feed is refused with a reason that says what to do, and the single story goes through
    rejection, parsed = events
    assert isinstance(rejection, ArticleRejectedEvent) and rejection.data.reason == "too_large"
    assert "3 article(s)" in rejection.data.message and "split it" in rejection.data.message
    assert isinstance(parsed, ArticleParsedEvent) and parsed.data.source.key == "a.txt"
    [(_, body)] = store.written.items()
    assert body.count(b"\n") == 1 and publisher.sent == events


@pytest.mark.parametrize("failing_step", ["parse", "analyse"])
def test_an_exception_while_parsing_one_object_rejects_it_and_spares_the_batch(failing_step: str) -> None:
    # Given a batch where one object makes the parser (or the entity extractor) raise an exception
    # that is not a RejectedInput, as lxml's "too many bodies" assertion once did on real pages
    def parse(data: bytes, **kwargs: object) -> list[object]:
        if failing_step == "parse" and data == b"<title>never closed":
            raise AssertionError("too many bodies")
        return list(parse_articles(data, **kwargs))  # type: ignore[arg-type]

    def analyse(text: str, **kwargs: object) -> object:
        if failing_step == "analyse" and "never closed" in text:
            raise AssertionError("too many bodies")
        return analyse_text(text, **kwargs)  # type: ignore[arg-type]

    failures: list[tuple[str, str]] = []
    store, publisher = MemoryStore({"bad.html": b"<title>never closed", "good.txt": story(1)}), MemoryPublisher()
    if failing_step == "analyse":
        store.objects["bad.html"] = b"A headline\n\n" + b"This story was never closed, said the editor. " * 20
    ingest = IngestService(
        store=store,
        publisher=publisher,
        parsed_bucket=BUCKET,
        max_object_bytes=1_000_000,
        parse=parse,
        analyse=analyse,
        on_parse_error=lambda source, error: failures.append((source.key, type(error).__name__)),
    )
    # When the batch runs
    prepared = [ingest.prepare(change("bad.html")), ingest.prepare(change("good.txt"))]
    ingest.store(prepared)
    events = [event for item in prepared for event in ingest.publish(item)]
    # Then the bad object is rejected as parse_error naming the exception, the hook heard of it,
    # and the good one is parsed as usual
    rejected = [event for event in events if isinstance(event, ArticleRejectedEvent)]
    assert [(event.data.source.key, event.data.reason) for event in rejected] == [("bad.html", "parse_error")]
    assert rejected[0].data.message.startswith("AssertionError: too many bodies")
    assert failures == [("bad.html", "AssertionError")]
    assert [event.data.source.key for event in events if isinstance(event, ArticleParsedEvent)] == ["good.txt"]

"""The S3 notifications the operator's tools send read back, through the ingest function's own
trigger models, as the object they name, marked as a replay; and ingest answers a replay with
whatever the key holds when it reads it, stamped with when it read it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from newsingest.entities import analyse_texts
from newsingest.events import ArticleDeletedEvent, ArticleParsedEvent
from newsingest.ingest import FetchedObject, IngestEvent, IngestService, ObjectGone, QueuedMessage, announce_every_time
from newsingest.models import SourceRef
from newsingest.ops.messages import StoredObject, encoded_key, object_created_message, object_removed_message
from newsingest.parsing import parse_articles
from newsingest.triggers import REPLAY_CONFIGURATION_PREFIX, ChangeKind, changes_in, parse_s3_message

WRITTEN = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
READ_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("key", ["incoming/a.txt", "incoming/with space+plus.txt", "incoming/é/ü?&=%.html"])
def test_a_created_message_names_the_object_as_s3_would_and_is_marked_as_a_replay(key: str) -> None:
    # Given an object's current version as a listing gives it
    obj = StoredObject(key=key, size=42, etag='"abc"', version_id="v1", last_modified=WRITTEN)
    # When its message is built and read back as the ingest function reads its queue
    body = json.loads(object_created_message("articles", obj, run_id="backfill-1"))
    [change] = changes_in(parse_s3_message(body))
    # Then it is that version of that key, dated when it was written, and marked as the run's replay
    assert change.kind is ChangeKind.CREATED
    assert change.source == SourceRef(bucket="articles", key=key, version_id="v1", etag="abc")
    assert change.event_time == WRITTEN and change.size == 42
    assert change.replay == f"{REPLAY_CONFIGURATION_PREFIX}backfill-1"
    record = body["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"] == "2025-01-02T03:04:05.678Z"
    assert "/" in record["s3"]["object"]["key"] and " " not in record["s3"]["object"]["key"]


def test_keys_are_encoded_as_s3_encodes_them_in_notifications() -> None:
    assert encoded_key("incoming/a b+c/d.txt") == "incoming/a+b%2Bc/d.txt"


def test_a_removed_message_names_the_key_and_no_version() -> None:
    body = json.loads(object_removed_message("articles", "incoming/gone one.txt", run_id="reconcile-1", at=WRITTEN))
    [change] = changes_in(parse_s3_message(body))
    assert change.kind is ChangeKind.REMOVED and change.replay is not None
    assert change.source.key == "incoming/gone one.txt" and change.source.version_id is None


def test_s3s_own_messages_are_not_replays() -> None:
    record = {
        "eventName": "ObjectCreated:Put",
        "eventTime": WRITTEN.isoformat(),
        "s3": {"configurationId": "ingest", "bucket": {"name": "b"}, "object": {"key": "incoming/a"}},
    }
    [change] = changes_in(parse_s3_message({"Records": [record]}))
    assert change.replay is None


class CurrentOnly:
    """An object store holding one version per key, answering as S3 does with its Date header."""

    def __init__(self, objects: dict[str, tuple[str, bytes]], answered_at: datetime | None) -> None:
        self.objects = objects
        self.answered_at = answered_at
        self.asked: list[SourceRef] = []

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        self.asked.append(source)
        if source.key not in self.objects:
            raise ObjectGone(source.key, read_at=self.answered_at)
        version, data = self.objects[source.key]
        return FetchedObject(data, "text/plain", None, f"etag-{version}", version, read_at=self.answered_at)

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        pass


class Published:
    def __init__(self) -> None:
        self.events: list[IngestEvent] = []

    def publish(self, events: Sequence[IngestEvent]) -> None:
        self.events.extend(events)


STORY = ("Harbour story\n\n" + "The harbour master in Oslo spoke about the storm at length. " * 10).encode()


def replay(store: CurrentOnly, body: str, local_clock: datetime) -> list[IngestEvent]:
    published = Published()
    ingest = IngestService(
        store=store,
        publisher=published,
        parsed_bucket="articles",
        max_object_bytes=1_000_000,
        parse=parse_articles,
        analyse=analyse_texts,
        clock=lambda: local_clock,
    )
    failed = ingest.process_batch([QueuedMessage("m", body)], remaining_ms=lambda: 60_000, once=announce_every_time)
    assert failed == []
    return published.events


def test_a_replay_reads_the_current_version_whatever_version_its_message_names() -> None:
    # Given a message naming version v1, and a key that holds v2 by the time ingest reads it
    obj = StoredObject(key="incoming/a.txt", size=1, etag="e1", version_id="v1", last_modified=WRITTEN)
    store = CurrentOnly({"incoming/a.txt": ("v2", STORY)}, answered_at=READ_AT)
    # When ingest processes the message
    [event] = replay(
        store, object_created_message("articles", obj, run_id="r"), local_clock=READ_AT + timedelta(seconds=1)
    )
    # Then it asked for the current version, and announced v2, stamped with S3's (earlier) answer time
    assert store.asked[0].version_id is None and store.asked[0].etag is None
    assert isinstance(event, ArticleParsedEvent)
    assert event.data.source.version_id == "v2" and event.data.source.sequencer is None
    assert event.data.source.observed_at == READ_AT
    # and the article keeps the upload's day (the message's event time), not the replay's
    assert event.data.received_at == WRITTEN


def test_a_replay_is_stamped_with_our_clock_when_s3_answers_later_or_not_at_all() -> None:
    obj = StoredObject(key="incoming/a.txt", size=1, etag="e1", version_id="v1", last_modified=WRITTEN)
    before_request = READ_AT - timedelta(seconds=2)
    for answered in (READ_AT, None):
        store = CurrentOnly({"incoming/a.txt": ("v1", STORY)}, answered_at=answered)
        [event] = replay(store, object_created_message("articles", obj, run_id="r"), local_clock=before_request)
        assert event.data.source.observed_at == before_request


def test_a_replay_of_a_key_that_holds_nothing_announces_it_deleted_when_read() -> None:
    obj = StoredObject(key="incoming/gone.txt", size=1, etag="e1", version_id="v1", last_modified=WRITTEN)
    store = CurrentOnly({}, answered_at=READ_AT)
    [event] = replay(store, object_created_message("articles", obj, run_id="r"), local_clock=READ_AT)
    assert isinstance(event, ArticleDeletedEvent)
    assert event.data.source.key == "incoming/gone.txt" and event.data.source.observed_at == READ_AT


def test_a_real_delete_of_a_missing_key_is_not_turned_into_a_replay() -> None:
    # S3's own removal keeps its meaning: the version it names is gone, and its time orders it
    body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectRemoved:DeleteMarkerCreated",
                    "eventTime": WRITTEN.isoformat(),
                    "s3": {"bucket": {"name": "articles"}, "object": {"key": "incoming/gone.txt"}},
                }
            ]
        }
    )
    [event] = replay(CurrentOnly({}, answered_at=READ_AT), body, local_clock=READ_AT)
    assert isinstance(event, ArticleDeletedEvent) and event.data.source.observed_at is None

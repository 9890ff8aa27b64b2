"""The indexer handler against moto: real SQS batches from the index queue into DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from newsingest.errors import RejectReason
from newsingest.events import article_deleted_event, article_rejected_event
from newsingest.indexing.queries import InvalidCursor, entity_view
from newsingest.indexing.service import Outcome
from newsingest.models import Quote, SourceRef

RECEIVED = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)


def test_parsed_event_is_indexed_by_id_entity_and_day(harness: Any, article_factory: Any) -> None:
    # Given
    article = article_factory(
        "NATO met in Brussels. Stoltenberg spoke.",
        key="incoming/a.txt",
        bucket=harness.bucket,
        entities=[("NATO", "organization", 2), ("Brussels", "location", 1)],
        published="2024-03-18T09:30:00+01:00",
    )
    # When
    harness.parsed(article)
    harness.drain()
    # Then
    stored = harness.index.get_article(article.id)
    assert stored is not None and stored.title == "NATO met in Brussels"
    assert stored.sort_time == "2024-03-18T08:30:00Z"  # UTC, timezone of the page honoured
    assert [p.article_id for p in harness.index.query_postings("organization:nato").items] == [article.id]
    assert harness.stats("organization:nato") == (1, 2)
    day = harness.index.query_day(datetime(2024, 3, 18).date())
    assert [item.article_id for item in day.items] == [article.id]


def test_the_same_event_twice_changes_nothing_the_second_time(harness: Any, article_factory: Any) -> None:
    # Given
    article = article_factory(
        "Putin met Lukashenko.",
        key="incoming/b.txt",
        bucket=harness.bucket,
        entities=[("Putin", "person", 1), ("Lukashenko", "person", 1)],
        published="2024-01-02T00:00:00+00:00",
    )
    # When
    harness.parsed(article)
    harness.parsed(article)
    harness.drain()
    harness.parsed(article)
    harness.drain()
    # Then
    assert harness.stats("person:putin") == (1, 1)
    assert len(harness.index.query_postings("person:putin").items) == 1


def test_same_text_under_two_keys_is_one_article_counted_once_until_its_last_source_goes(
    harness: Any, article_factory: Any
) -> None:
    # Given the same text uploaded under two keys
    text = "Belarus borders Ukraine."
    first = article_factory(
        text,
        key="incoming/one.txt",
        bucket=harness.bucket,
        entities=[("Belarus", "location", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    second = first.model_copy(update={"source": SourceRef(bucket=harness.bucket, key="incoming/two.txt")})
    harness.parsed(first, parsed_range="bytes=0-99")
    harness.drain()
    harness.parsed(second, parsed_range="bytes=100-199")
    harness.drain()
    assert harness.stats("location:belarus") == (1, 1)
    # (the article points at the newest parsed copy: the retention rule keeps it longest)
    indexed = harness.index.get_article(first.id)
    assert indexed is not None and indexed.parsed_range == "bytes=100-199"
    assert sorted(harness.index.get_article_sources(first.id)) == [
        f"{harness.bucket}/incoming/one.txt",
        f"{harness.bucket}/incoming/two.txt",
    ]
    # When one source is deleted
    harness.deleted("incoming/one.txt")
    harness.drain()
    # Then the article stays
    assert harness.index.get_article(first.id) is not None
    assert harness.stats("location:belarus") == (1, 1)
    # When the last source is deleted
    harness.deleted("incoming/two.txt")
    harness.drain()
    # Then the article, its postings and its counts leave the index
    assert harness.index.get_article(first.id) is None
    assert harness.index.query_postings("location:belarus").items == []
    assert harness.stats("location:belarus") is None
    assert harness.index.get_records(harness.bucket, "incoming/two.txt") == []
    tombstone = harness.index.get_source(harness.bucket, "incoming/two.txt")
    assert tombstone is not None and tombstone.deleted


def test_a_changed_object_replaces_its_article(harness: Any, article_factory: Any) -> None:
    # Given
    old = article_factory(
        "Ferrari won.",
        key="incoming/c.txt",
        bucket=harness.bucket,
        entities=[("Ferrari", "organization", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    harness.parsed(old)
    harness.drain()
    # When the same key now holds other text
    new = article_factory(
        "Verstappen won.",
        key="incoming/c.txt",
        bucket=harness.bucket,
        entities=[("Max Verstappen", "person", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    harness.parsed(new)
    harness.drain()
    # Then
    assert harness.index.get_article(old.id) is None
    assert harness.stats("organization:ferrari") is None
    assert harness.stats("person:max-verstappen") == (1, 1)
    assert [record.article_id for record in harness.index.get_records(harness.bucket, "incoming/c.txt")] == [new.id]


def test_purging_an_old_version_keeps_the_indexed_one(harness: Any, article_factory: Any) -> None:
    # Given the index holds version v2 of an object
    article = article_factory(
        "Kyiv thanked Poland.",
        key="incoming/v.txt",
        bucket=harness.bucket,
        entities=[("Kyiv", "location", 1)],
        published="2024-01-01T00:00:00+00:00",
    )
    versioned = article.model_copy(update={"source": article.source.model_copy(update={"version_id": "v2"})})
    harness.parsed(versioned)
    harness.drain()
    # When version v1 is permanently deleted, then a delete marker hides the object
    old = SourceRef(bucket=harness.bucket, key="incoming/v.txt", version_id="v1")
    harness.publisher.publish([article_deleted_event(old, received_at=RECEIVED)])
    harness.drain()
    still_there = harness.index.get_article(article.id)
    harness.deleted("incoming/v.txt")
    harness.drain()
    # Then
    assert still_there is not None
    assert harness.index.get_article(article.id) is None


def test_deleting_an_unknown_object_is_harmless(harness: Any, article_factory: Any) -> None:
    harness.deleted("incoming/never-seen.txt")
    harness.drain()
    assert (
        harness.sqs.get_queue_attributes(
            QueueUrl=harness.pipeline.stack.index_dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_listeners_hear_each_applied_event_with_its_outcome(
    harness: Any, article_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a listener, as `newsingest local up` registers one to print what happens
    from newsingest.handlers import indexer

    heard: list[tuple[str, str, Outcome]] = []
    monkeypatch.setattr(
        indexer,
        "applied_listeners",
        [lambda event, outcome: heard.append((event.type, event.data.source.key, outcome))],
    )
    # When an article is indexed, another object rejected, then the article's object deleted
    harness.parsed(
        article_factory(
            "NATO met.", key="incoming/a.txt", bucket=harness.bucket, entities=[], published="2024-01-01T00:00:00+00:00"
        )
    )
    source = SourceRef(bucket=harness.bucket, key="incoming/b.json")
    harness.publisher.publish(
        [article_rejected_event(source, reason=RejectReason.INVALID_JSON, message="bad", received_at=RECEIVED)]
    )
    harness.drain()
    harness.deleted("incoming/a.txt")
    harness.drain()
    # Then each was heard once, with what it did
    assert heard == [
        ("newsingest.ArticleParsed", "incoming/a.txt", Outcome.INDEXED),
        ("newsingest.ArticleRejected", "incoming/b.json", Outcome.REJECTION_RECORDED),
        ("newsingest.ArticleDeleted", "incoming/a.txt", Outcome.DELETED),
    ]


def test_a_poison_record_fails_alone_and_ends_in_the_dlq(harness: Any, article_factory: Any) -> None:
    # Given a batch with one message that is not an event between two good ones
    good = [
        article_factory(
            f"Article {n} about NATO.",
            key=f"incoming/{n}.txt",
            bucket=harness.bucket,
            entities=[("NATO", "organization", 1)],
            published=f"2024-02-0{n}T00:00:00+00:00",
        )
        for n in (1, 2)
    ]
    harness.parsed(good[0])
    harness.sqs.send_message(QueueUrl=harness.pipeline.stack.index_queue_url, MessageBody='{"type": "nonsense"}')
    harness.parsed(good[1])
    # When one Lambda invocation receives the batch
    first = harness.pipeline.index.run_once()
    # Then only the poison record is reported failed, the others are indexed
    assert first is not None and (first.received, first.failed) == (3, 1)
    assert harness.stats("organization:nato") == (2, 2)
    # And after the queue's maxReceiveCount it is in the DLQ, not retried forever
    harness.drain()
    dlq = harness.sqs.receive_message(QueueUrl=harness.pipeline.stack.index_dlq_url, MaxNumberOfMessages=10)
    assert [message["Body"] for message in dlq["Messages"]] == ['{"type": "nonsense"}']


def test_rejections_are_recorded_and_cleared_when_the_object_later_parses(harness: Any, article_factory: Any) -> None:
    # Given
    source = SourceRef(bucket=harness.bucket, key="incoming/d.json")
    harness.publisher.publish(
        [article_rejected_event(source, reason=RejectReason.INVALID_JSON, message="bad", received_at=RECEIVED)]
    )
    harness.drain()
    rejection = harness.index.get_rejection(harness.bucket, "incoming/d.json")
    assert rejection is not None and rejection.reason == "invalid_json"
    assert [r.key for r in harness.index.query_rejections(RECEIVED.date())] == ["incoming/d.json"]
    # When the fixed object arrives
    harness.parsed(
        article_factory(
            "Fixed.", key="incoming/d.json", bucket=harness.bucket, entities=[], published="2024-01-01T00:00:00+00:00"
        )
    )
    harness.drain()
    # Then
    assert harness.index.get_rejection(harness.bucket, "incoming/d.json") is None


def test_a_rejected_overwrite_detaches_the_previous_article_and_a_late_rejection_changes_nothing(
    harness: Any, article_factory: Any
) -> None:
    # Given one text under two keys, each at its first version
    def under(key: str, version: str, sequencer: str) -> Any:
        article = article_factory(
            "Kyiv thanked Warsaw for the aid.",
            key=key,
            bucket=harness.bucket,
            entities=[("Kyiv", "location", 1)],
            published="2024-01-01T00:00:00+00:00",
        )
        source = article.source.model_copy(update={"version_id": version, "sequencer": sequencer})
        return article.model_copy(update={"source": source})

    first, second = under("incoming/one.html", "v1", "0A"), under("incoming/two.html", "w1", "0B")
    harness.parsed(first)
    harness.parsed(second)
    harness.drain()
    assert harness.stats("location:kyiv") == (1, 1)

    def rejected(key: str, version: str, sequencer: str) -> None:
        source = SourceRef(bucket=harness.bucket, key=key, version_id=version, sequencer=sequencer)
        event = article_rejected_event(source, reason=RejectReason.EMPTY, message="empty", received_at=RECEIVED)
        harness.publisher.publish([event])
        harness.drain()

    # When the first key is overwritten with bytes that are rejected
    rejected("incoming/one.html", "v2", "0C")
    # Then the article stays, with the other key as its only source, and counts once
    assert harness.index.get_article_sources(first.id) == [f"{harness.bucket}/incoming/two.html"]
    assert harness.stats("location:kyiv") == (1, 1)
    assert harness.index.get_rejection(harness.bucket, "incoming/one.html") is not None
    # When a rejection older than what the second key holds arrives late
    rejected("incoming/two.html", "w0", "01")
    # Then nothing changes
    assert harness.index.get_rejection(harness.bucket, "incoming/two.html") is None
    assert harness.index.get_article_sources(first.id) == [f"{harness.bucket}/incoming/two.html"]
    # When the second key is overwritten with rejected bytes too
    rejected("incoming/two.html", "w2", "0D")
    # Then no object holds the article: it leaves the index, and its entity with it
    assert harness.index.get_article(first.id) is None
    assert harness.stats("location:kyiv") is None


def test_entity_articles_page_newest_first_to_the_end(harness: Any, article_factory: Any) -> None:
    # Given three articles on three days
    for day in (1, 2, 3):
        harness.parsed(
            article_factory(
                f"Day {day}: the EU met.",
                key=f"incoming/day{day}.txt",
                bucket=harness.bucket,
                entities=[("EU", "organization", day)],
                published=f"2024-05-0{day}T12:00:00+00:00",
            )
        )
    harness.drain()
    # When paging one at a time
    seen, cursor = [], None
    while True:
        page = harness.index.query_postings("organization:eu", limit=1, cursor=cursor)
        seen.extend(posting.sort_time[:10] for posting in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    # Then
    assert seen == ["2024-05-03", "2024-05-02", "2024-05-01"]
    window = harness.index.query_postings("organization:eu", since="2024-05-02", until="2024-05-02")
    assert [posting.sort_time[:10] for posting in window.items] == ["2024-05-02"]
    assert entity_view(harness.index, "organization:eu") is not None
    with pytest.raises(InvalidCursor):
        harness.index.query_postings("organization:eu", cursor="not-a-cursor!")


def _items_under(harness: Any, pk: str) -> list[dict[str, Any]]:
    """The raw items stored under a partition key, attribute types stripped."""
    items = harness.dynamodb.query(
        TableName=harness.pipeline.stack.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]
    return [{name: next(iter(value.values())) for name, value in item.items()} for item in items]


def test_a_single_article_object_is_one_source_item_naming_its_article(harness: Any, article_factory: Any) -> None:
    # Given an object holding one article
    article = article_factory(
        "Reuters reported from Kyiv.",
        key="incoming/one.txt",
        bucket=harness.bucket,
        entities=[("Reuters", "organization", 1), ("Kyiv", "location", 1)],
        published="2024-04-01T00:00:00+00:00",
    )
    # When it is indexed
    harness.parsed(article)
    harness.drain()
    # Then the object's source item names the article and no RECORD# item is written
    [source] = _items_under(harness, f"SOURCE#{harness.bucket}/incoming/one.txt")
    assert (source["sk"], source["article_id"], source["source_id"]) == (
        "SOURCE",
        article.id,
        f"{harness.bucket}/incoming/one.txt",
    )
    assert [record.article_id for record in harness.index.get_records(harness.bucket, "incoming/one.txt")] == [
        article.id
    ]
    # And deleting the object removes the article and leaves a tombstone only
    harness.deleted("incoming/one.txt")
    harness.drain()
    assert harness.index.get_article(article.id) is None
    [tombstone] = _items_under(harness, f"SOURCE#{harness.bucket}/incoming/one.txt")
    assert tombstone["deleted"] is True and "article_id" not in tombstone


def test_a_multi_record_object_replaced_by_a_single_article(harness: Any, article_factory: Any) -> None:
    # Given an object holding two records
    key = "incoming/feed.ndjson"
    first, second = (
        article_factory(
            text,
            key=key,
            bucket=harness.bucket,
            entities=[(name, "person", 1)],
            published="2024-04-02T00:00:00+00:00",
        )
        for text, name in (("Zelensky spoke.", "Zelensky"), ("Macron answered.", "Macron"))
    )
    first = first.model_copy(update={"source": first.source.model_copy(update={"record": 0, "etag": "v1"})})
    second = second.model_copy(update={"source": second.source.model_copy(update={"record": 1, "etag": "v1"})})
    for article in (first, second):
        harness.parsed(article, record_count=2)
    harness.drain()
    assert sorted(r.sk for r in harness.index.get_records(harness.bucket, key)) == ["RECORD#000000", "RECORD#000001"]
    assert harness.stats("person:macron") == (1, 1)
    # When a new version holds one article, the first record's text
    single = first.model_copy(update={"source": first.source.model_copy(update={"record": None, "etag": "v2"})})
    harness.parsed(single)
    harness.drain()
    # Then the records are gone, the article is named by the source item, the other article left
    records = harness.index.get_records(harness.bucket, key)
    assert [(r.sk, r.article_id, r.source_id) for r in records] == [("SOURCE", first.id, f"{harness.bucket}/{key}")]
    assert harness.stats("person:macron") is None
    assert harness.stats("person:zelensky") == (1, 1)
    assert harness.index.get_article_sources(first.id) == [f"{harness.bucket}/{key}"]


def test_entities_named_once_are_indexed_only_when_the_evidence_is_good(harness: Any, article_factory: Any) -> None:
    # Given an article naming, once each, an unknown organisation, a known one, a person and a
    # place, and an unknown organisation twice, and quoting someone
    text = "Acme Widgets and Globex met. Globex said NATO was in Oslo. Dana Scully agreed."
    quote = Quote(text="We agree.", start=0, end=9, speaker_id="group:the-board", speaker_name="The Board")
    again = Quote(text="Fully.", start=10, end=16, speaker_id="group:the-board", speaker_name="The Board")
    article = article_factory(
        text,
        key="incoming/policy.txt",
        bucket=harness.bucket,
        entities=[
            ("Acme Widgets", "organization", 1),
            ("Globex", "organization", 2),
            ("NATO", "organization", 1),
            ("Dana Scully", "person", 1),
            ("Oslo", "location", 1),
            ("The Board", "group", 1),
        ],
        published="2024-04-03T00:00:00+00:00",
        quotes=[quote, again],
    )
    # When it is indexed
    harness.parsed(article)
    harness.drain()
    # Then the once-named unknown organisation has no posting, the rest have one each
    stored = harness.index.get_article(article.id)
    assert stored is not None and stored.entity_count == 6
    indexed = {entity.id for entity in stored.entities}
    assert indexed == {
        "organization:globex",
        "organization:nato",
        "person:dana-scully",
        "location:oslo",
        "group:the-board",
    }
    assert harness.stats("organization:acme-widgets") is None
    assert all(harness.stats(entity_id) == (1, 1) or entity_id == "organization:globex" for entity_id in indexed)
    # And the speaker's quotations are filed under them, in one item, and go with the article
    assert [q.texts for q in harness.index.query_quotes("group:the-board").items] == [["We agree.", "Fully."]]
    harness.deleted("incoming/policy.txt")
    harness.drain()
    assert harness.index.query_quotes("group:the-board").items == []
    assert all(harness.stats(entity_id) is None for entity_id in indexed)


MANY_ENTITIES = 60
"""Entities of the article the removal test deletes: enough that a cost per entity would show."""


def test_removing_an_article_naming_many_entities_is_one_short_event_then_a_few_entities_per_event(
    harness: Any, article_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call that fails after botocore's retries repeats its whole event, so an event's calls must not
    grow with the entities an article leaves: each few go in an `EntitiesReleased` event of their own."""
    from newsingest.adapters.aws import client
    from newsingest.events import ENTITIES_PER_RELEASE
    from newsingest.handlers import indexer as indexer_handler

    # Given an article naming many entities, indexed
    names = [f"Townsville {chr(65 + index // 26)}{chr(65 + index % 26)}" for index in range(MANY_ENTITIES)]
    article = article_factory(
        " ".join(f"{name} voted." for name in names),
        key="incoming/many.txt",
        bucket=harness.bucket,
        entities=[(name, "location", 1) for name in names],
        published="2024-01-02T00:00:00+00:00",
    )
    harness.parsed(article)
    harness.drain()
    entity_ids = [entity.id for entity in article.entities]
    assert all(harness.stats(entity_id) == (1, 1) for entity_id in entity_ids)
    # (every call the indexer's own clients make, attributed to the event being applied)
    calls: list[str] = []
    per_event: list[tuple[str, int]] = []
    done = 0

    def count(event_name: str, **_: Any) -> None:
        if event_name.startswith("before-call.dynamodb") or event_name == "before-call.sqs.SendMessageBatch":
            calls.append(event_name)

    def applied(event: Any, _outcome: Any) -> None:
        nonlocal done
        per_event.append((str(event.type), len(calls) - done))
        done = len(calls)

    for service in ("dynamodb", "sqs"):
        client(service).meta.events.register("before-call", count)
    monkeypatch.setattr(indexer_handler, "applied_listeners", [applied])
    # When it is deleted
    try:
        harness.deleted("incoming/many.txt")
        harness.drain()
    finally:
        for service in ("dynamodb", "sqs"):
            client(service).meta.events.unregister("before-call", count)
    # Then the removal is one event of fewer calls than entities
    removal = [made for kind, made in per_event if kind == "newsingest.ArticleDeleted"]
    released = [made for kind, made in per_event if kind == "newsingest.EntitiesReleased"]
    assert len(removal) == 1 and removal[0] < MANY_ENTITIES / 2, per_event
    # and the entities went a few per event, each event's calls bounded by its few entities
    assert len(released) == -(-MANY_ENTITIES // ENTITIES_PER_RELEASE)
    calls_per_entity_dropped = 2 * 4 + 1 + 1  # 4 shards checked before and after, its items read, deleted
    assert max(released) <= ENTITIES_PER_RELEASE * calls_per_entity_dropped, per_event
    # and every entity left the index with its profile and names
    assert all(harness.stats(entity_id) is None for entity_id in entity_ids)
    assert harness.index.get_profiles(entity_ids) == {}
    assert all(harness.index.entity_names(entity_id) == [] for entity_id in entity_ids)

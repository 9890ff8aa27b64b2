"""Stories on moto, through the real indexer and API handlers: near-duplicate copies of an article
(syndication) form one story whatever order they arrive in, deletes and overwrites keep it right,
and the same text under two keys stays one article (docs/design.md#stories)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsingest import crashpoints
from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.crashpoints import Boundary, SimulatedCrash
from newsingest.events import article_deleted_event, article_parsed_event
from newsingest.handlers import api
from newsingest.indexing.items import BAND_PK_PREFIX, STORY_PK_PREFIX
from newsingest.indexing.service import Indexer, Outcome
from newsingest.local.http import call_api
from newsingest.models import Article, SourceRef

PARAGRAPHS = [
    "Ministers from the Baltic states met in Tallinn on Tuesday to agree a joint plan for the protection of "
    "undersea cables, after two data lines between Finland and Estonia were damaged last month.",
    "The plan sets up shared patrols of the shipping lanes and a register of vessels that anchor near the "
    "cables, which carry most of the region's internet traffic and part of its electricity.",
    "Officials said the patrols would start in the spring and be reviewed after a year, and that the cost "
    "would be shared according to the length of cable each country is responsible for.",
    "Shipping companies welcomed the register but warned that delays in the lanes would raise freight prices "
    "for the region, where ports already compete with rail links to the south.",
    "Investigators have not said who damaged the lines; a Chinese-flagged bulk carrier that dragged its anchor "
    "across the seabed is still being examined by the Finnish coast guard.",
]
ORIGINAL = "\n\n".join(PARAGRAPHS)
COPY = "TALLINN (Reuters) - " + "\n\n".join(PARAGRAPHS[:4]) + "\n\nEditor's note: updated with comment."
THIRD = "By The Associated Press\n\n" + "\n\n".join(PARAGRAPHS[:4]).replace("Tuesday", "Tuesday afternoon")
SAME_TOPIC = (
    "Estonia's navy said on Wednesday that it would add two patrol boats to the watch over the cables in the "
    "Gulf of Finland, a day after Baltic ministers agreed to share the cost of protecting them. The boats, "
    "bought from a Danish yard, will be crewed by reservists until the spring, when the joint patrols begin. "
    "The navy's commander told reporters that the shipping lanes were busier than at any time since the "
    "nineties and that a register of anchored vessels was overdue; freight firms fear the delays."
)
BALTIC = [("Tallinn", "location", 1), ("Finland", "location", 2)]
RECEIVED = datetime(2024, 3, 18, 17, 5, tzinfo=UTC)
"""A few minutes after the harness's events were received: within the story window."""


def get(target: str) -> tuple[int, Any]:
    return call_api(api.handler, target)


def _article(factory: Any, harness: Any, text: str, key: str, published: str) -> Article:
    article: Article = factory(text, key=key, bucket=harness.bucket, entities=BALTIC, published=published)
    return article


def _story_of(article: Article) -> dict[str, Any]:
    status, body = get(f"/v1/articles/{article.id}")
    assert status == 200, body
    story: dict[str, Any] = body["story"]
    return story


def _count(harness: Any, prefix: str) -> int:
    items = harness.dynamodb.scan(TableName=harness.pipeline.stack.table_name)["Items"]
    return sum(1 for item in items if item["pk"]["S"].startswith(prefix))


@pytest.mark.parametrize("first_is_original", [True, False], ids=["original-first", "copy-first"])
def test_two_copies_form_one_story_in_either_order(harness: Any, article_factory: Any, first_is_original: bool) -> None:
    # Given an article and a syndicated copy of it published two hours later
    original = _article(article_factory, harness, ORIGINAL, "incoming/original.txt", "2024-06-04T08:00:00+00:00")
    copy = _article(article_factory, harness, COPY, "incoming/copy.txt", "2024-06-04T10:00:00+00:00")
    # When they arrive in either order
    for article in (original, copy) if first_is_original else (copy, original):
        harness.parsed(article)
        harness.drain()
    # Then they are one story of two whose canonical article is the one published first
    story = _story_of(copy)
    assert story == _story_of(original) | {"is_canonical": False}
    assert story["copy_count"] == 2 and story["canonical_id"] == original.id
    status, body = get(f"/v1/stories/{story['id']}")
    assert status == 200
    assert [copy_["id"] for copy_ in body["copies"]] == [original.id, copy.id]
    assert body["copies"][1]["sources"] == [f"{harness.bucket}/incoming/copy.txt"]
    assert (body["first_time"], body["last_time"]) == ("2024-06-04T08:00:00Z", "2024-06-04T10:00:00Z")
    # And an entity they both name counts two articles but one story
    status, entity = get("/v1/entities/location:tallinn")
    assert status == 200 and (entity["article_count"], entity["story_count"]) == (2, 1)


def test_a_third_copy_joins_and_a_different_article_on_the_topic_stays_apart(
    harness: Any, article_factory: Any
) -> None:
    # Given a story of two
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    copy = _article(article_factory, harness, COPY, "incoming/b.txt", "2024-06-04T09:00:00+00:00")
    for article in (original, copy):
        harness.parsed(article)
    harness.drain()
    # When a third copy and another article on the same topic arrive
    third = _article(article_factory, harness, THIRD, "incoming/c.txt", "2024-06-04T11:00:00+00:00")
    other = _article(article_factory, harness, SAME_TOPIC, "incoming/d.txt", "2024-06-05T07:00:00+00:00")
    harness.parsed(third)
    harness.parsed(other)
    harness.drain()
    # Then the third joins the story and the other starts its own
    assert _story_of(third)["id"] == _story_of(original)["id"]
    assert _story_of(original)["copy_count"] == 3
    assert _story_of(other) == {"id": other.id, "copy_count": 1, "canonical_id": other.id, "is_canonical": True}
    # And the entity's list collapsed by story has one row per story, with its copies counted
    status, page = get("/v1/entities/location:tallinn/articles?collapse=story&order=oldest")
    assert status == 200
    assert [(row["article_id"], row["copy_count"]) for row in page["items"]] == [(original.id, 3), (other.id, 1)]
    status, page = get("/v1/entities/location:tallinn/articles?order=oldest")
    assert len(page["items"]) == 4 and page["items"][0]["story_id"] == _story_of(original)["id"]


def test_collapsed_pages_never_show_a_story_twice(harness: Any, article_factory: Any) -> None:
    # Given a story of three and another article, listed one row per page
    for text, key, hour in ((ORIGINAL, "a", 8), (COPY, "b", 9), (SAME_TOPIC, "c", 10), (THIRD, "d", 11)):
        harness.parsed(_article(article_factory, harness, text, f"incoming/{key}.txt", f"2024-06-04T{hour:02d}:00:00Z"))
    harness.drain()
    # When the collapsed list is paged
    rows, cursor = [], ""
    while True:
        status, page = get(f"/v1/entities/location:tallinn/articles?collapse=story&limit=1{cursor}")
        assert status == 200, page
        rows += [row["story_id"] for row in page["items"]]
        if page["cursor"] is None:
            break
        cursor = f"&cursor={page['cursor']}"
    # Then each story shows once
    assert len(rows) == len(set(rows)) == 2


def test_deleting_the_canonical_article_promotes_the_next(harness: Any, article_factory: Any) -> None:
    # Given a story of three
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    copy = _article(article_factory, harness, COPY, "incoming/b.txt", "2024-06-04T09:00:00+00:00")
    third = _article(article_factory, harness, THIRD, "incoming/c.txt", "2024-06-04T10:00:00+00:00")
    for article in (original, copy, third):
        harness.parsed(article)
        harness.drain()
    story_id = _story_of(copy)["id"]
    # When the canonical article's object is deleted
    harness.deleted("incoming/a.txt")
    harness.drain()
    # Then the next published copy is canonical and the story has two copies
    assert _story_of(copy) == {"id": story_id, "copy_count": 2, "canonical_id": copy.id, "is_canonical": True}
    status, body = get(f"/v1/stories/{story_id}")
    assert status == 200 and [item["id"] for item in body["copies"]] == [copy.id, third.id]
    assert get(f"/v1/articles/{original.id}")[0] == 404
    # And the deleted article left no band items behind: a new copy joins the story of the others
    late = _article(article_factory, harness, ORIGINAL, "incoming/late.txt", "2024-06-04T12:00:00+00:00")
    harness.parsed(late)
    harness.drain()
    assert _story_of(late)["id"] == story_id and _story_of(late)["copy_count"] == 3


def test_an_overwrite_with_other_text_leaves_the_story(harness: Any, article_factory: Any) -> None:
    # Given a story of two
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    copy = _article(article_factory, harness, COPY, "incoming/b.txt", "2024-06-04T09:00:00+00:00")
    for article in (original, copy):
        harness.parsed(article)
    harness.drain()
    story_id = _story_of(original)["id"]
    # When the copy's object is overwritten with another article
    rewritten = _article(article_factory, harness, SAME_TOPIC, "incoming/b.txt", "2024-06-05T09:00:00+00:00")
    harness.parsed(rewritten)
    harness.drain()
    # Then the new text is a story of its own and the old story is back to one copy
    assert _story_of(rewritten)["id"] == rewritten.id and _story_of(rewritten)["copy_count"] == 1
    assert _story_of(original) == {"id": story_id, "copy_count": 1, "canonical_id": original.id, "is_canonical": True}
    assert get(f"/v1/articles/{copy.id}")[0] == 404
    assert [item["id"] for item in get(f"/v1/stories/{story_id}")[1]["copies"]] == [original.id]
    # And overwritten again with a copy of the story, it joins it again
    again = _article(article_factory, harness, THIRD, "incoming/b.txt", "2024-06-04T11:00:00+00:00")
    harness.parsed(again)
    harness.drain()
    assert _story_of(again)["id"] == story_id and _story_of(original)["copy_count"] == 2


def test_the_same_text_under_two_keys_is_one_article_not_a_story_of_two(harness: Any, article_factory: Any) -> None:
    # Given the same text uploaded under two keys
    first = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    second = _article(article_factory, harness, ORIGINAL, "incoming/mirror/a.txt", "2024-06-04T08:00:00+00:00")
    harness.parsed(first)
    harness.parsed(second)
    harness.drain()
    # Then it is one article with two sources, in a story of one, with no member item
    assert first.id == second.id
    status, body = get(f"/v1/articles/{first.id}")
    assert len(body["sources"]) == 2
    assert body["story"] == {"id": first.id, "copy_count": 1, "canonical_id": first.id, "is_canonical": True}
    assert _count(harness, STORY_PK_PREFIX) == 0
    status, story = get(f"/v1/stories/{first.id}")
    assert status == 200 and story["copy_count"] == 1 and len(story["copies"][0]["sources"]) == 2
    assert get("/v1/entities/location:tallinn")[1]["story_count"] == 1


def test_replays_change_nothing_twice(harness: Any, article_factory: Any) -> None:
    # Given a story of two
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    copy = _article(article_factory, harness, COPY, "incoming/b.txt", "2024-06-04T09:00:00+00:00")
    for article in (original, copy):
        harness.parsed(article)
    harness.drain()
    before = harness.dynamodb.scan(TableName=harness.pipeline.stack.table_name)["Items"]
    # When both events are delivered again, in the other order
    harness.parsed(copy)
    harness.parsed(original)
    harness.drain()
    # Then the index holds the same items
    after = harness.dynamodb.scan(TableName=harness.pipeline.stack.table_name)["Items"]
    assert sorted(map(str, after)) == sorted(map(str, before))
    # And the copy is filed only under the band values the original is not: one item per value
    assert original.signature is not None and copy.signature is not None
    assert _count(harness, BAND_PK_PREFIX) == len(set(original.signature.bands) | set(copy.signature.bands))
    assert _count(harness, STORY_PK_PREFIX) == 1  # the copy's membership; the original's id is the story's


def test_an_unknown_story_is_404(harness: Any) -> None:
    status, body = get("/v1/stories/" + "0" * 32)
    assert status == 404 and "no story" in body["message"]


def test_a_retry_after_a_crash_keeps_the_story_its_band_items_name(harness: Any, article_factory: Any) -> None:
    # Given an indexed article, and an indexer that crashes before writing its copy's article item
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    harness.parsed(original)
    harness.drain()
    copy = _article(article_factory, harness, THIRD, "incoming/b.txt", "2024-06-04T09:00:00+00:00")
    event = article_parsed_event(copy, parsed_uri="s3://b/p.ndjson", parsed_range="bytes=0-9", received_at=RECEIVED)

    class CrashOnce(DynamoIndex):
        crashed = False

        def put_article(self, article: Any, source: str) -> None:
            if not self.crashed:
                self.crashed = True
                raise ConnectionError("the indexer died here")
            super().put_article(article, source)

    indexer = Indexer(CrashOnce(harness.dynamodb, harness.pipeline.stack.table_name))
    with pytest.raises(ConnectionError):
        indexer.apply(event)
    # When the event is delivered again
    indexer.apply(event)
    # Then the copy is in the original's story once
    assert _story_of(copy)["id"] == original.id and _story_of(original)["copy_count"] == 2
    assert _count(harness, STORY_PK_PREFIX) == 1


def test_a_copy_whose_create_crashed_leaves_no_trace_in_the_story_when_its_retry_comes_late(
    harness: Any, article_factory: Any
) -> None:
    # Given an indexed article, and a copy whose create died after filing it in the story (its member
    # and band items) but before its article item
    original = _article(article_factory, harness, ORIGINAL, "incoming/a.txt", "2024-06-04T08:00:00+00:00")
    harness.parsed(original)
    harness.drain()
    indexer = Indexer(harness.index)
    copy = _article(article_factory, harness, COPY.replace("Tuesday", "Monday"), "incoming/b.txt", "2024-06-04T09:00Z")
    copy = copy.model_copy(update={"source": copy.source.model_copy(update={"version_id": "v1", "sequencer": "01"})})
    create = article_parsed_event(copy, parsed_uri="s3://b/p.ndjson", parsed_range="bytes=0-9", received_at=RECEIVED)
    crashed: list[str] = []

    def crash(boundary: str) -> None:
        if boundary == Boundary.INDEX_POSTINGS and not crashed:
            crashed.append(boundary)
            raise SimulatedCrash(boundary)

    with crashpoints.installed(crash), pytest.raises(SimulatedCrash):
        indexer.apply(create)
    assert _count(harness, STORY_PK_PREFIX) == 1
    # When the object is deleted, and then the create's retry arrives
    deleted = SourceRef(bucket=harness.bucket, key="incoming/b.txt", sequencer="02")
    indexer.apply(article_deleted_event(deleted, received_at=RECEIVED + timedelta(seconds=1)))
    assert indexer.apply(create) is Outcome.STALE
    # Then the copy's member and band items are gone with it: the story is the original alone
    assert _count(harness, STORY_PK_PREFIX) == 0
    assert original.signature is not None
    assert _count(harness, BAND_PK_PREFIX) == len(original.signature.bands)
    assert _story_of(original) == {
        "id": original.id,
        "copy_count": 1,
        "canonical_id": original.id,
        "is_canonical": True,
    }

"""The indexer killed between its writes (as a Lambda timeout or out-of-memory would), on moto's
DynamoDB: whatever events for the object come next, the retry leaves the index as if the crash had
never happened. Each test pins a case the chaos run (`tests/e2e/test_faults.py`) found."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsingest import crashpoints
from newsingest.crashpoints import Boundary, SimulatedCrash
from newsingest.events import article_deleted_event, article_parsed_event
from newsingest.indexing.service import Indexer, Outcome
from newsingest.models import SourceRef

T0 = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)


@contextmanager
def crash_once_at(boundary: Boundary) -> Iterator[None]:
    crashed: list[str] = []

    def hook(reached: str) -> None:
        if reached == boundary and not crashed:
            crashed.append(reached)
            raise SimulatedCrash(reached)

    with crashpoints.installed(hook):
        yield
    assert crashed, f"the flow never reached {boundary}"


def parsed(harness: Any, article_factory: Any, text: str, *, key: str, version: str, sequencer: str) -> Any:
    article = article_factory(
        text, key=key, bucket=harness.bucket, entities=[("NATO", "organization", 2)], published="2024-03-18T09:00:00Z"
    )
    article = article.model_copy(
        update={"source": SourceRef(bucket=harness.bucket, key=key, version_id=version, sequencer=sequencer)}
    )
    uri = f"s3://{harness.bucket}/parsed/dt=2024-03-18/x.ndjson"
    return article_parsed_event(article, parsed_uri=uri, parsed_range="bytes=0-9", received_at=T0)


@pytest.mark.parametrize("boundary", [Boundary.INDEX_POSTINGS, Boundary.INDEX_ARTICLE])
def test_a_create_that_crashed_before_naming_its_article_is_undone_when_its_retry_comes_after_a_delete(
    harness: Any, article_factory: Any, boundary: Boundary
) -> None:
    # Given a create whose first attempt crashed after writing the article but before the object's item named it
    indexer = Indexer(harness.index)
    create = parsed(
        harness, article_factory, "NATO met. NATO agreed.", key="incoming/a.txt", version="v1", sequencer="01"
    )
    with crash_once_at(boundary), pytest.raises(SimulatedCrash):
        indexer.apply(create)
    # When the object's delete (a later event) is applied, and then the create's retry
    deleted = article_deleted_event(
        SourceRef(bucket=harness.bucket, key="incoming/a.txt", sequencer="02"), received_at=T0 + timedelta(seconds=1)
    )
    assert indexer.apply(deleted) is Outcome.UNKNOWN_SOURCE  # the object's item never named the article
    assert indexer.apply(create) is Outcome.STALE
    # Then nothing of the article is left: no article item, no posting
    assert harness.index.get_article(create.data.article_id) is None
    assert harness.index.query_postings("organization:nato").items == []
    assert harness.stats("organization:nato") is None


def test_a_stale_create_leaves_the_article_when_the_newer_version_holds_the_same_text(
    harness: Any, article_factory: Any
) -> None:
    # Given a create that crashed after its article item, then a newer version with the same text indexed
    indexer = Indexer(harness.index)
    text = "NATO met. NATO agreed."
    first = parsed(harness, article_factory, text, key="incoming/b.txt", version="v1", sequencer="01")
    second = parsed(harness, article_factory, text, key="incoming/b.txt", version="v2", sequencer="02")
    with crash_once_at(Boundary.INDEX_ARTICLE), pytest.raises(SimulatedCrash):
        indexer.apply(first)
    indexer.apply(second)
    # When the first create's retry comes, late
    assert indexer.apply(first) is Outcome.STALE
    # Then the article stays, held by the object
    assert harness.index.get_article_sources(first.data.article_id) == [f"{harness.bucket}/incoming/b.txt"]
    assert harness.stats("organization:nato") == (1, 2)


def test_a_stale_create_leaves_another_keys_copy_of_the_text(harness: Any, article_factory: Any) -> None:
    # Given the same text indexed under a second key, and a create of the first key that crashed, then its delete
    indexer = Indexer(harness.index)
    text = "NATO met. NATO agreed."
    other = parsed(harness, article_factory, text, key="incoming/copy.txt", version="v9", sequencer="09")
    indexer.apply(other)
    create = parsed(harness, article_factory, text, key="incoming/c.txt", version="v1", sequencer="01")
    with crash_once_at(Boundary.INDEX_ARTICLE), pytest.raises(SimulatedCrash):
        indexer.apply(create)
    deleted = article_deleted_event(
        SourceRef(bucket=harness.bucket, key="incoming/c.txt", sequencer="02"), received_at=T0 + timedelta(seconds=1)
    )
    indexer.apply(deleted)
    # When the create's retry comes
    assert indexer.apply(create) is Outcome.STALE
    # Then the article stays with the other key alone
    assert harness.index.get_article_sources(create.data.article_id) == [f"{harness.bucket}/incoming/copy.txt"]
    assert harness.stats("organization:nato") == (1, 2)


def undated(harness: Any, article_factory: Any, *, key: str, sequencer: str, received: datetime) -> Any:
    """An article with no date of its own: the index files it under the time S3 received the upload."""
    article = article_factory(
        "NATO met. NATO agreed.",
        key=key,
        bucket=harness.bucket,
        entities=[("NATO", "organization", 2)],
        published="2024-03-18T09:00:00Z",
    )
    article = article.model_copy(
        update={
            "published_at": None,
            "source": SourceRef(bucket=harness.bucket, key=key, version_id=f"v{sequencer}", sequencer=sequencer),
        }
    )
    uri = f"s3://{harness.bucket}/parsed/dt=2024-03-18/x.ndjson"
    return article_parsed_event(article, parsed_uri=uri, parsed_range="bytes=0-9", received_at=received)


def test_postings_a_crashed_create_wrote_under_its_own_time_go_when_another_upload_filed_the_article_first(
    harness: Any, article_factory: Any
) -> None:
    # Given an undated text whose create crashed after its postings (filed under its upload time),
    # then the same text under another key, uploaded an hour later, indexed first
    indexer = Indexer(harness.index)
    first = undated(harness, article_factory, key="incoming/first.txt", sequencer="01", received=T0)
    second = undated(
        harness, article_factory, key="incoming/second.txt", sequencer="01", received=T0 + timedelta(hours=1)
    )
    with crash_once_at(Boundary.INDEX_POSTINGS), pytest.raises(SimulatedCrash):
        indexer.apply(first)
    indexer.apply(second)
    # When the first create's retry comes
    indexer.apply(first)
    # Then the article is counted once, filed under the time of the item that was written
    postings = harness.index.query_postings("organization:nato").items
    assert [posting.sort_time for posting in postings] == ["2024-03-18T18:00:00Z"]
    assert harness.stats("organization:nato") == (1, 2)


def test_a_stale_retry_removes_the_postings_it_wrote_under_its_own_time(harness: Any, article_factory: Any) -> None:
    # Given an undated create that crashed after its postings, then a newer version of the key with the same text
    indexer = Indexer(harness.index)
    older = undated(harness, article_factory, key="incoming/again.txt", sequencer="01", received=T0)
    newer = undated(
        harness, article_factory, key="incoming/again.txt", sequencer="02", received=T0 + timedelta(hours=1)
    )
    with crash_once_at(Boundary.INDEX_POSTINGS), pytest.raises(SimulatedCrash):
        indexer.apply(older)
    indexer.apply(newer)
    # When the older create's retry comes, late
    assert indexer.apply(older) is Outcome.STALE
    # Then only the newer version's posting is left
    assert [p.sort_time for p in harness.index.query_postings("organization:nato").items] == ["2024-03-18T18:00:00Z"]
    assert harness.stats("organization:nato") == (1, 2)


def test_an_entity_drop_whose_delete_response_is_lost_leaves_the_next_article_its_profile(
    harness: Any, article_factory: Any
) -> None:
    """Found by the chaos run's audit: the process went on believing it had written the profile."""
    from botocore.exceptions import ReadTimeoutError

    # Given an article naming NATO, indexed by a warm indexer (which remembers writing NATO's profile)
    indexer = Indexer(harness.index)
    first = parsed(
        harness, article_factory, "NATO met. NATO agreed.", key="incoming/a.txt", version="v1", sequencer="01"
    )
    indexer.apply(first)
    # (DynamoDB deletes NATO's profile, and the indexer never hears back)
    armed: list[bool] = []

    def spot(params: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][harness.pipeline.stack.table_name]
        keys = [request["DeleteRequest"]["Key"]["pk"]["S"] for request in requests if "DeleteRequest" in request]
        if "ENTITY#organization:nato" in keys and not armed:
            armed.append(True)

    def lose(**_: Any) -> None:
        if armed == [True]:
            armed.append(False)
            raise ReadTimeoutError(endpoint_url="moto")

    events = harness.dynamodb.meta.events
    events.register("provide-client-params.dynamodb.BatchWriteItem", spot)
    events.register("after-call.dynamodb.BatchWriteItem", lose)
    try:
        deleted = article_deleted_event(
            SourceRef(bucket=harness.bucket, key="incoming/a.txt", version_id="v1", sequencer="02"),
            received_at=T0 + timedelta(seconds=1),
        )
        # When its delete is applied, fails on the lost response, and is retried
        with pytest.raises(ReadTimeoutError):
            indexer.apply(deleted)
        assert indexer.apply(deleted) is Outcome.DELETED
    finally:
        events.unregister("provide-client-params.dynamodb.BatchWriteItem", spot)
        events.unregister("after-call.dynamodb.BatchWriteItem", lose)
    assert armed == [True, False]
    assert harness.index.get_profiles(["organization:nato"]) == {}
    # When the same indexer files another article naming NATO
    second = parsed(harness, article_factory, "NATO met again.", key="incoming/b.txt", version="v1", sequencer="03")
    indexer.apply(second)
    # Then NATO has its profile and name keys again
    assert list(harness.index.get_profiles(["organization:nato"])) == ["organization:nato"]
    assert harness.index.entity_names("organization:nato")

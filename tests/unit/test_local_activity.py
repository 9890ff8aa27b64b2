"""What `newsingest local up` prints: the banner, then one line per event the indexer applied,
made from the event and the outcome the indexer reported."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from newsingest.errors import RejectReason
from newsingest.events import ArticleParsedEvent, article_deleted_event, article_parsed_event, article_rejected_event
from newsingest.indexing.service import Outcome
from newsingest.local.activity import TITLE_CHARS, ActivityPrinter, describe
from newsingest.local.up import LocalEndpoints, banner
from newsingest.models import SourceRef

RECEIVED = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)
BUCKET = "newsingest-articles"
PUT = SourceRef(bucket=BUCKET, key="incoming/x.html", version_id="v1", sequencer="01")


@pytest.fixture
def parsed(article_factory: Callable[..., Any]) -> Callable[..., ArticleParsedEvent]:
    def make(title: str, entities: int, *, record: int | None = None, record_count: int = 1) -> ArticleParsedEvent:
        article = article_factory(
            f"{title}. Some text.",
            key="incoming/x.html",
            bucket=BUCKET,
            entities=[(f"Name{n}", "organization", 1) for n in range(entities)],
            published="2024-03-18T09:30:00+00:00",
        )
        article = article.model_copy(update={"source": article.source.model_copy(update={"record": record})})
        return article_parsed_event(
            article,
            parsed_uri=f"s3://{BUCKET}/parsed/a.ndjson",
            parsed_range="bytes=0-9",
            received_at=RECEIVED,
            record_count=record_count,
        )

    return make


def test_an_indexed_article_is_its_key_title_and_entity_count(parsed: Callable[..., ArticleParsedEvent]) -> None:
    assert describe(parsed("NATO met in Brussels", 3), Outcome.INDEXED) == (
        'indexed  incoming/x.html  "NATO met in Brussels"  3 entities'
    )
    assert describe(parsed("One", 1), Outcome.INDEXED) == 'indexed  incoming/x.html  "One"  1 entity'


def test_a_long_title_is_cut_and_a_record_of_a_list_is_named(parsed: Callable[..., ArticleParsedEvent]) -> None:
    line = describe(parsed("A" * 200, 0, record=1, record_count=3), Outcome.INDEXED)
    assert line == f'indexed  incoming/x.html [record 2 of 3]  "{"A" * (TITLE_CHARS - 1)}…"  0 entities'


@pytest.mark.parametrize(
    ("outcome", "note"),
    [
        (Outcome.REPLACED, "(replaces the key's previous article)"),
        (Outcome.SOURCE_ADDED, "(same text as an article already indexed)"),
        (Outcome.ALREADY_INDEXED, "(already indexed)"),
        (Outcome.REINDEXED, "(re-indexed: newer versions made it again)"),
    ],
)
def test_an_index_outcome_other_than_new_says_so(
    parsed: Callable[..., ArticleParsedEvent], outcome: Outcome, note: str
) -> None:
    line = describe(parsed("Title", 2), outcome)
    assert line is not None and line.startswith("indexed  incoming/x.html") and line.endswith(f"  {note}")


def test_a_rejection_is_its_key_reason_and_message() -> None:
    event = article_rejected_event(
        PUT, reason=RejectReason.NO_MAIN_TEXT, message="no article text\n  found", received_at=RECEIVED
    )
    assert (
        describe(event, Outcome.REJECTION_RECORDED) == "rejected incoming/x.html  no_main_text: no article text found"
    )
    assert describe(event, Outcome.REPLACED) == (
        "rejected incoming/x.html  no_main_text: no article text found  (the key's previous article is removed)"
    )


def test_a_delete_is_its_key() -> None:
    event = article_deleted_event(PUT, received_at=RECEIVED)
    assert describe(event, Outcome.DELETED) == "deleted  incoming/x.html"
    assert describe(event, Outcome.UNKNOWN_SOURCE) == "deleted  incoming/x.html  (no article was indexed from it)"


def test_a_stale_event_prints_nothing(parsed: Callable[..., ArticleParsedEvent]) -> None:
    # A newer event for the object was applied first, and had its own line
    assert describe(parsed("Title", 1), Outcome.STALE) is None
    assert describe(article_deleted_event(PUT, received_at=RECEIVED), Outcome.STALE) is None


def test_the_printer_writes_one_line_per_event_and_never_fails_the_indexer() -> None:
    out = io.StringIO()
    printer = ActivityPrinter(out)
    printer(article_deleted_event(PUT, received_at=RECEIVED), Outcome.DELETED)
    printer(article_deleted_event(PUT, received_at=RECEIVED), Outcome.STALE)
    assert out.getvalue() == "deleted  incoming/x.html\n"
    out.close()
    printer(article_deleted_event(PUT, received_at=RECEIVED), Outcome.DELETED)  # a closed stdout: no exception


def test_the_banner_names_every_endpoint_and_ends_with_how_to_stop() -> None:
    endpoints = LocalEndpoints(
        aws="http://127.0.0.1:4566", api="http://127.0.0.1:8080", bucket=BUCKET, explorer="http://127.0.0.1:8081/"
    )
    text = banner(endpoints)
    assert "AWS (moto) endpoint: http://127.0.0.1:4566" in text
    assert "HTTP API:            http://127.0.0.1:8080" in text
    assert "web explorer:        http://127.0.0.1:8081/" in text
    assert "'http://127.0.0.1:8080/v1/entities?q=nato'" in text
    assert f"s3://{BUCKET}/incoming/article.html" in text
    assert "--verbose" in text
    assert text.splitlines()[-1] == "Ctrl-C stops it."

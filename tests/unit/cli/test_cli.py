"""`newsingest parse`: JSON lines with no AWS, rejections visible with their reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsingest.cli import main

ARTICLES = Path(__file__).parents[2] / "fixtures" / "articles"


def test_parse_prints_one_json_line_per_article_and_flags_rejections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a good article and an empty file
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    # When
    status = main(["parse", str(ARTICLES / "belarus-russia-alliance.txt"), str(empty)])
    # Then
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    article, rejection = lines
    assert article["title"].startswith("Belarus-Russia") and article["language"] == "en"
    assert any(entity["id"] == "person:jens-stoltenberg" for entity in article["entities"])
    assert rejection == {
        "path": str(empty),
        "rejected": {"reason": "empty", "message": rejection["rejected"]["message"]},
    }
    assert rejection["rejected"]["message"]


def test_parse_without_entities_skips_the_nlp(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["parse", "--no-entities", str(ARTICLES / "belarus-russia-alliance.txt")])
    [article] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 0 and article["entities"] == []


@pytest.mark.parametrize("name", ["riverton-flood-budget.txt", "harbour-news-furniture.html"])
def test_parse_prints_what_the_ingest_service_stores_for_the_same_bytes(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the ingest service as the ingest handler wires it, over a store that holds the file
    from datetime import UTC, datetime

    from newsingest.ingest import FetchedObject, IngestService
    from newsingest.models import SourceRef
    from newsingest.triggers import ChangeKind, ObjectChange

    data = (ARTICLES / name).read_bytes()
    written: list[bytes] = []

    class Store:
        def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
            return FetchedObject(data, None, None, "etag", "v1")

        def put_lines(self, bucket: str, key: str, body: bytes) -> None:
            written.append(body)

    class Publisher:
        def publish(self, events: object) -> None:
            pass

    service = IngestService.wired(store=Store(), publisher=Publisher(), parsed_bucket="parsed")
    service.handle(
        ObjectChange(
            kind=ChangeKind.CREATED,
            source=SourceRef(bucket="uploads", key=name),
            event_time=datetime(2025, 3, 4, tzinfo=UTC),
        )
    )
    [body] = written
    deployed = [json.loads(line) for line in body.splitlines()]

    # When the same bytes are parsed locally
    assert main(["parse", str(ARTICLES / name)]) == 0
    local = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    # Then every article is the same, quotes, dates and amounts included, but for where it came from
    assert [{**article, "source": None} for article in local] == [{**article, "source": None} for article in deployed]
    assert [article["source"]["key"] for article in local] == [article["source"]["key"] for article in deployed]
    assert all(article["quotes"] and article["dates"] for article in local)
    assert local[0]["entity_status"] == "extracted"

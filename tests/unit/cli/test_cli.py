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

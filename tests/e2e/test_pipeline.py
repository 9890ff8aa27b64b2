"""The sample article through the whole local pipeline: S3 -> ingest queue -> ingest -> index
queue -> indexer -> DynamoDB, with the notifications moto really sends."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.indexing.queries import entity_view

SAMPLE = Path(__file__).parents[1] / "fixtures" / "articles" / "belarus-russia-alliance.txt"


def indexed_names(index: DynamoIndex, article_id: str) -> set[str]:
    article = index.get_article(article_id)
    assert article is not None
    return {entity.name for entity in article.entities}


def test_the_sample_article_is_indexed_with_its_people_and_without_the_promo_names(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    # Given
    key = "incoming/express/belarus-russia-alliance.txt"
    clients["s3"].put_object(Bucket=pipeline.stack.bucket, Key=key, Body=SAMPLE.read_bytes())
    # When
    pipeline.run()
    # Then
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    [record] = index.get_records(pipeline.stack.bucket, key)
    names = indexed_names(index, record.article_id)
    for expected in ("Vladimir Putin", "Alexander Lukashenko", "Jens Stoltenberg", "NATO", "Belarus"):
        assert expected in names, f"{expected} missing from {sorted(names)}"
    for promo_only in ("Lord Sugar", "Sugar", "Max Verstappen", "Verstappen", "Ferrari"):
        assert promo_only not in names
    stoltenberg = entity_view(index, "person:jens-stoltenberg")
    assert stoltenberg is not None and stoltenberg.article_count == 1
    assert [p.article_id for p in index.query_postings("organization:nato").items] == [record.article_id]


def test_the_demo_runs_end_to_end_and_prints_the_index(aws_environment: None) -> None:
    # Given
    from newsingest.local.demo import run_demo

    out = io.StringIO()
    # When
    exit_code = run_demo(out)
    # Then
    printed = out.getvalue()
    assert exit_code == 0, printed
    assert "Belarus-Russia: History of alliance" in printed
    assert "truncated-record.json: not indexed (rejected: invalid_json" in printed
    assert "Query: which articles mention" in printed

"""The audit the chaos run ends with (`local/audit.py`) finds each kind of drift: an index whose
items were damaged on purpose is reported lost, duplicated, stale or with totals off."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.local.audit import Expectations, Findings, audit

ARTICLES = Path(__file__).parents[1] / "fixtures" / "articles"
SAMPLE = (ARTICLES / "belarus-russia-alliance.txt").read_bytes()
FERRY = (ARTICLES / "lakeside-ferry-us-local.txt").read_bytes()


@pytest.fixture(scope="module")
def expectations() -> Expectations:
    return Expectations()


@pytest.fixture
def indexed(pipeline: Any, clients: dict[str, Any]) -> tuple[Any, DynamoIndex]:
    """Two objects indexed through the pipeline: the sample article and another."""
    bucket = pipeline.stack.bucket
    clients["s3"].put_object(Bucket=bucket, Key="incoming/sample.txt", Body=SAMPLE)
    clients["s3"].put_object(Bucket=bucket, Key="incoming/ferry.txt", Body=FERRY)
    pipeline.run()
    return pipeline, DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)


def run_audit(pipeline: Any, clients: dict[str, Any], index: DynamoIndex, expectations: Expectations) -> Findings:
    return audit(clients["s3"], index, pipeline.stack.bucket, expectations)


def items_of(index: DynamoIndex, kind: str) -> list[dict[str, Any]]:
    return [item for item in index.scan_items() if item.get("kind") == kind]


def delete(clients: dict[str, Any], table: str, item: dict[str, Any]) -> None:
    clients["dynamodb"].delete_item(TableName=table, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}})


def put(clients: dict[str, Any], table: str, item: dict[str, Any]) -> None:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    decimals = json.loads(json.dumps(item), parse_float=Decimal)  # DynamoDB numbers are Decimals
    clients["dynamodb"].put_item(
        TableName=table, Item={name: serializer.serialize(value) for name, value in decimals.items()}
    )


def test_an_index_in_step_with_the_bucket_is_clean(
    indexed: tuple[Any, DynamoIndex], clients: dict[str, Any], expectations: Expectations
) -> None:
    pipeline, index = indexed
    found = run_audit(pipeline, clients, index, expectations)
    assert found.clean and found.live_objects == 2 and found.live_articles == 2 and found.entities_checked > 5


def lose_an_article(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    delete(clients, table, items_of(index, "article")[0])


def forget_a_delete(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    clients["s3"].delete_object(Bucket=table.replace("-index", "-articles"), Key="incoming/ferry.txt")


def count_a_posting_twice(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    posting = items_of(index, "posting")[0]
    put(clients, table, posting | {"sk": posting["sk"].replace("POSTING#", "POSTING#0")})


def change_a_mention_count(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    posting = items_of(index, "posting")[0]
    put(clients, table, posting | {"mention_count": posting["mention_count"] + 1})


def point_at_the_wrong_line(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    article = items_of(index, "article")[0]
    put(clients, table, article | {"parsed_range": "bytes=0-1"})


def lose_a_profile(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    delete(clients, table, items_of(index, "entity")[0])


def leave_an_entity_behind(clients: dict[str, Any], index: DynamoIndex, table: str) -> None:
    name = items_of(index, "name")[0]
    put(clients, table, name | {"pk": "ENTITY#person:nobody-named", "entity_id": "person:nobody-named"})


@pytest.mark.parametrize(
    ("damage", "finding"),
    [
        (lose_an_article, "lost"),
        (point_at_the_wrong_line, "lost"),
        (forget_a_delete, "stale"),
        (count_a_posting_twice, "duplicated"),
        (change_a_mention_count, "totals_off"),
        (lose_a_profile, "lost"),
        (leave_an_entity_behind, "stale"),
    ],
)
def test_each_kind_of_drift_is_found(
    indexed: tuple[Any, DynamoIndex],
    clients: dict[str, Any],
    expectations: Expectations,
    damage: Callable[[dict[str, Any], DynamoIndex, str], None],
    finding: str,
) -> None:
    # Given an index in step with the bucket
    pipeline, index = indexed
    # When one of its items is damaged (or the bucket changes behind its back)
    damage(clients, index, pipeline.stack.table_name)
    # Then the audit says so
    found = run_audit(pipeline, clients, index, expectations)
    assert found.counts[finding] >= 1, dict(found.examples)

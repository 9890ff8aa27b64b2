"""The local stack's faster moto Query answers exactly what moto's own does."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from newsingest.local import motofast
from newsingest.local.stack import INDEX_TABLE_KEYS


def queries(dynamodb: Any) -> list[Any]:
    dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST", **INDEX_TABLE_KEYS)
    for start in range(0, 300, 25):
        dynamodb.batch_write_item(
            RequestItems={
                "t": [
                    {"PutRequest": {"Item": {"pk": {"S": f"p{n % 7}"}, "sk": {"S": f"s{n:04d}"}, "gsi1pk": {"S": "d"},
                                             "gsi1sk": {"S": f"{n % 13}"}}}}
                    for n in range(start, start + 25)
                ]
            }
        )  # fmt: skip
    answers = []
    for forward in (True, False):
        for pk in ("p0", "p3", "absent"):
            kwargs: dict[str, Any] = {}
            while True:
                page = dynamodb.query(
                    TableName="t",
                    KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
                    ExpressionAttributeValues={":pk": {"S": pk}, ":low": {"S": "s0010"}, ":high": {"S": "s0200"}},
                    ScanIndexForward=forward,
                    Limit=9,
                    **kwargs,
                )
                answers.append((page["Items"], page.get("LastEvaluatedKey")))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    gsi = dynamodb.query(
        TableName="t",
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :d",
        ExpressionAttributeValues={":d": {"S": "d"}},
    )
    return [*answers, gsi["Items"]]


@pytest.mark.usefixtures("aws_environment")
def test_partition_queries_answer_as_moto_does() -> None:
    assert motofast.install()
    with motofast.moto_own_query(), mock_aws():
        before = queries(boto3.client("dynamodb"))
    with mock_aws():
        after = queries(boto3.client("dynamodb"))
    assert after == before and len(before) > 8


def test_the_patch_targets_the_moto_it_was_written_for() -> None:
    import inspect

    import moto
    from moto.dynamodb.models.table import Table

    assert moto.__version__.startswith(motofast.PATCHED_MOTO_VERSIONS)
    with motofast.moto_own_query():
        assert list(inspect.signature(Table.all_items).parameters) == ["self"]
        assert list(inspect.signature(Table.query).parameters)[:2] == ["self", "hash_key"]
        # partition_query finds index_name as the seventh positional argument after hash_key
        assert list(inspect.signature(Table.query).parameters).index("index_name") == 8

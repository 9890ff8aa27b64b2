"""The local stack's faster moto (DynamoDB Query, S3 version listings, SQS) answers exactly what
moto's own does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from newsingest.local import motofast
from newsingest.local.stack import INDEX_TABLE_KEYS


def answered_both_ways(
    moto_own: Callable[[], AbstractContextManager[Any]], ask: Callable[[Any], Any], service: str
) -> tuple[Any, Any]:
    """What `ask` got from a fresh moto with moto's own code for the part motofast replaces, then with motofast's."""
    assert motofast.install()
    with moto_own(), mock_aws():
        before = ask(boto3.client(service))
    with mock_aws():
        after = ask(boto3.client(service))
    return before, after


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
    before, after = answered_both_ways(motofast.moto_own_query, queries, "dynamodb")
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


def listings(s3: Any) -> list[Any]:
    """Versions, delete markers, prefixes and pages of a versioned bucket, then every body read back."""
    s3.create_bucket(Bucket="listing-bucket")
    s3.put_bucket_versioning(Bucket="listing-bucket", VersioningConfiguration={"Status": "Enabled"})
    for n in range(40):
        s3.put_object(Bucket="listing-bucket", Key=f"incoming/{n % 9}.txt", Body=f"body {n}".encode() * 50)
        if n % 7 == 0:
            s3.delete_object(Bucket="listing-bucket", Key=f"incoming/{n % 9}.txt")
    s3.put_object(Bucket="listing-bucket", Key="other/x", Body=b"x")
    answers = []
    for prefix in ("", "incoming/", "incoming/3"):
        kwargs: dict[str, Any] = {}
        while True:
            page = s3.list_object_versions(Bucket="listing-bucket", Prefix=prefix, MaxKeys=7, **kwargs)
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                entry.pop("LastModified")
            answers.append({name: page.get(name) for name in ("Versions", "DeleteMarkers", "IsTruncated")})
            if not page.get("IsTruncated"):
                break
            kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    import gc

    gc.collect()  # the listing's copies are disposed of: the stored bodies must survive them
    listing = s3.list_object_versions(Bucket="listing-bucket")
    answers.append(
        sorted(
            s3.get_object(Bucket="listing-bucket", Key=entry["Key"], VersionId=entry["VersionId"])["Body"].read()
            for entry in listing["Versions"]
        )
    )
    return answers


@pytest.mark.usefixtures("aws_environment")
def test_version_listings_answer_as_moto_does_and_leave_the_bodies_alone() -> None:
    before, after = answered_both_ways(motofast.moto_own_listing, listings, "s3")
    version_ids = {entry["VersionId"] for answer in before[:-1] for entry in answer["Versions"] or []}
    assert len(version_ids) > 20  # version ids differ between the runs: compare the rest
    strip = lambda answers: [  # noqa: E731
        [{**entry, "VersionId": None} for entry in (answer.get("Versions") or []) + (answer.get("DeleteMarkers") or [])]
        if isinstance(answer, dict)
        else answer
        for answer in answers
    ]
    assert strip(after) == strip(before)
    assert len(after[-1]) == 41


def queue_answers(sqs: Any) -> list[Any]:
    """Sends, receives, moves to a dead-letter queue after two receives, counts, deletes and an
    attribute name moto refuses, on a standard queue: what a run of the pipeline asks of SQS."""
    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": redrive, "MessageRetentionPeriod": "600"})[
        "QueueUrl"
    ]
    counts = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    for start in range(0, 30, 10):
        entries = [{"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(10)]
        entries[0]["DelaySeconds"] = 900 if start == 0 else 0  # type: ignore[assignment]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    answers: list[Any] = []

    def attributes(queue: str, names: list[str]) -> dict[str, str]:
        found = dict(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"])
        for moment in ("CreatedTimestamp", "LastModifiedTimestamp"):
            found.pop(moment, None)
        return found

    answers.append(attributes(url, counts))
    for _ in range(3):  # each message received twice (visible again at once), then dead-lettered
        for _ in range(3):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
            messages = got.get("Messages", [])
            answers.append(sorted(message["Body"] for message in messages))
            answers.append(attributes(url, counts))
            if messages:
                sqs.change_message_visibility_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                             for n, m in enumerate(messages)],
                )  # fmt: skip
        time.sleep(0.01)
    answers.append(attributes(url, ["All"]))
    answers.append(attributes(dlq, counts))
    got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    answers.append(sorted(message["Body"] for message in got))
    sqs.delete_message_batch(
        QueueUrl=dlq, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)]
    )
    answers.append(attributes(dlq, counts))
    with pytest.raises(ClientError) as refused:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchAttribute"])
    answers.append(refused.value.response["Error"]["Code"])
    return answers


@pytest.mark.usefixtures("aws_environment")
def test_queues_answer_as_moto_does() -> None:
    before, after = answered_both_ways(motofast.moto_own_queues, queue_answers, "sqs")
    assert after == before
    assert before[0]["ApproximateNumberOfMessagesDelayed"] == "1" and "m0" not in str(before)
    assert any(len(answer) == 10 for answer in before if isinstance(answer, list))  # the DLQ got messages

"""The local stack's S3 notifications say what S3's say on a versioned bucket (moto's alone do
not), and the moto functions they wrap still have the shape they were written for."""

from __future__ import annotations

import inspect
import json
from typing import Any

import moto
import pytest

from newsingest.local import s3events
from newsingest.triggers import ChangeKind, changes_in, parse_s3_message


def notifications(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """The S3 records the ingest queue received (consumed), TestEvent left out."""
    records = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            records.extend(json.loads(message["Body"]).get("Records", []))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return records


def test_the_patch_targets_the_moto_it_was_written_for() -> None:
    from moto.s3 import models, notifications

    assert moto.__version__.startswith(s3events.PATCHED_MOTO_VERSIONS)
    s3events.install()
    wrapped_delete = inspect.signature(models.S3Backend.delete_object.__wrapped__)  # type: ignore[attr-defined]
    assert list(wrapped_delete.parameters) == ["self", "bucket_name", "key_name", "version_id", "bypass"]
    wrapped_event = inspect.signature(notifications._get_s3_event.__wrapped__)  # type: ignore[attr-defined]
    assert list(wrapped_event.parameters) == ["event_name", "bucket", "key", "notification_id"]
    wrapped_send = inspect.signature(notifications.send_event.__wrapped__)  # type: ignore[attr-defined]
    assert list(wrapped_send.parameters) == ["account_id", "event_name", "bucket", "key"]
    assert "disable_notification" in inspect.signature(models.S3Backend.put_object).parameters


def test_every_change_to_a_versioned_object_is_notified_as_s3_notifies_it(
    pipeline: Any, clients: dict[str, Any]
) -> None:
    s3, sqs = clients["s3"], clients["sqs"]
    bucket, queue = pipeline.stack.bucket, pipeline.stack.ingest_queue_url
    notifications(sqs, queue)  # the TestEvent
    # A put names its version; the same bytes again are another version
    first = s3.put_object(Bucket=bucket, Key="incoming/a b.txt", Body=b"same bytes")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="incoming/a b.txt", Body=b"same bytes")["VersionId"]
    # A plain delete creates a delete marker; deleting by id removes that version
    marker = s3.delete_object(Bucket=bucket, Key="incoming/a b.txt")
    s3.delete_object(Bucket=bucket, Key="incoming/a b.txt", VersionId=first)
    records = notifications(sqs, queue)
    assert [record["eventName"] for record in records] == [
        "ObjectCreated:Put",
        "ObjectCreated:Put",
        "ObjectRemoved:DeleteMarkerCreated",
        "ObjectRemoved:Delete",
    ]
    described = [record["s3"]["object"] for record in records]
    assert [item["versionId"] for item in described] == [first, second, marker["VersionId"], first]
    assert all(item["key"] == "incoming%2Fa+b.txt" for item in described)  # URL-encoded, as moto sends
    assert "eTag" not in described[2] and "size" not in described[2]  # a marker has neither
    sequencers = [item["sequencer"] for item in described]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 4
    # And the ingest function reads them as what they are
    changes = [change for record in records for change in changes_in(parse_s3_message({"Records": [record]}))]
    assert [(change.kind, change.source.version_id) for change in changes] == [
        (ChangeKind.CREATED, first),
        (ChangeKind.CREATED, second),
        (ChangeKind.REMOVED, None),  # the object as users see it is gone, whichever version was indexed
        (ChangeKind.REMOVED, first),
    ]


@pytest.mark.parametrize("versions", [1, 3])
def test_deleting_every_version_sends_one_removal_per_version(
    pipeline: Any, clients: dict[str, Any], versions: int
) -> None:
    s3, sqs = clients["s3"], clients["sqs"]
    bucket, queue = pipeline.stack.bucket, pipeline.stack.ingest_queue_url
    ids = [
        s3.put_object(Bucket=bucket, Key="incoming/x.txt", Body=f"v{n}".encode())["VersionId"] for n in range(versions)
    ]
    notifications(sqs, queue)
    for version_id in ids:
        s3.delete_object(Bucket=bucket, Key="incoming/x.txt", VersionId=version_id)
    removed = [(record["eventName"], record["s3"]["object"]["versionId"]) for record in notifications(sqs, queue)]
    assert removed == [("ObjectRemoved:Delete", version_id) for version_id in ids]


def test_an_unversioned_bucket_is_notified_as_moto_does(pipeline: Any, clients: dict[str, Any]) -> None:
    s3, sqs = clients["s3"], clients["sqs"]
    bucket, queue = pipeline.stack.bucket, pipeline.stack.ingest_queue_url
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    notifications(sqs, queue)
    s3.put_object(Bucket=bucket, Key="incoming/plain.txt", Body=b"text")
    s3.delete_object(Bucket=bucket, Key="incoming/plain.txt")
    records = notifications(sqs, queue)
    assert [record["eventName"] for record in records] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    assert all("versionId" not in record["s3"]["object"] for record in records)

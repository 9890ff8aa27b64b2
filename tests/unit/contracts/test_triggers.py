"""Trigger shapes: what real S3 and moto send, reduced to object changes with decoded keys."""

from __future__ import annotations

import pytest

from newsingest.triggers import ChangeKind, UnrecognisedTrigger, changes_in, parse_s3_message

MOTO_RECORD = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "awsRegion": "us-east-1",
    "eventTime": "2024-03-18T16:42:00.000Z",
    "eventName": "ObjectCreated:Put",
    "s3": {
        "s3SchemaVersion": "1.0",
        "configurationId": "ingest",
        "bucket": {"name": "articles", "arn": "arn:aws:s3:::articles"},
        "object": {"key": "incoming%2Fmy+doc%2Bv2.html", "size": 10, "eTag": '"abc"', "versionId": "v1"},
    },
}


def test_a_moto_notification_decodes_plus_and_percent_escapes() -> None:
    # When
    [change] = changes_in(parse_s3_message({"Records": [MOTO_RECORD]}))
    # Then
    assert change.kind is ChangeKind.CREATED
    assert change.source.key == "incoming/my doc+v2.html"
    assert (change.source.bucket, change.source.etag, change.source.version_id) == ("articles", "abc", "v1")


def test_a_removal_and_an_unrelated_event_name() -> None:
    removed = {**MOTO_RECORD, "eventName": "ObjectRemoved:Delete"}
    restored = {**MOTO_RECORD, "eventName": "ObjectRestore:Completed"}
    changes = changes_in(parse_s3_message({"Records": [removed, restored]}))
    assert [change.kind for change in changes] == [ChangeKind.REMOVED]


def test_the_s3_test_event_reports_no_change() -> None:
    message = parse_s3_message(
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-01-01T00:00:00Z", "Bucket": "articles"}
    )
    assert changes_in(message) == []


def test_an_eventbridge_object_created_event() -> None:
    event = {
        "version": "0",
        "id": "1",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2024-03-18T16:42:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::articles"],
        "detail": {
            "version": "0",
            "bucket": {"name": "articles"},
            "object": {"key": "incoming/a+b.txt", "size": 3, "etag": "e", "sequencer": "01"},
        },
    }
    [change] = changes_in(parse_s3_message(event))
    assert change.kind is ChangeKind.CREATED and change.source.key == "incoming/a b.txt"


def test_anything_else_is_an_unrecognised_trigger() -> None:
    with pytest.raises(UnrecognisedTrigger):
        parse_s3_message({"hello": "world"})


def test_a_delete_marker_removes_whatever_version_is_indexed() -> None:
    marker = {**MOTO_RECORD, "eventName": "ObjectRemoved:DeleteMarkerCreated"}
    permanent = {**MOTO_RECORD, "eventName": "ObjectRemoved:Delete"}
    [by_marker, by_purge] = changes_in(parse_s3_message({"Records": [marker, permanent]}))
    assert by_marker.source.version_id is None
    assert by_purge.source.version_id == "v1"

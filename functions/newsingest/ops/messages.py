"""The messages the operator's tools put on the pipeline's queues, built here once so that backfill
and reconcile --fix send the same thing: an S3 event notification as S3 would send it for an
object (the ingest function cannot tell it from S3's own but by its `configurationId`, which marks
a replay), and the index queue's `StrayIndexEntries` event."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote_plus

from newsingest.triggers import REPLAY_CONFIGURATION_PREFIX

S3_EVENT_VERSION = "2.1"
"""The notification format S3 sends today (the S3 user guide's "Event message structure")."""


@dataclass(frozen=True)
class StoredObject:
    """An object's current version as a bucket listing gives it."""

    key: str
    size: int
    etag: str | None
    version_id: str | None
    last_modified: datetime


def new_run_id(tool: str) -> str:
    """A run's id: the tool's name and a random suffix (ingest processes a replay once per run)."""
    return f"{tool}-{uuid.uuid4().hex[:12]}"


def _s3_time(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"


def encoded_key(key: str) -> str:
    """A key as S3 writes it in a notification: URL-encoded, a space as `+`, `/` kept."""
    return quote_plus(key, safe="/")


def _record(
    bucket: str, region: str, run_id: str, event_name: str, moment: datetime, obj: dict[str, object]
) -> dict[str, object]:
    return {
        "eventVersion": S3_EVENT_VERSION,
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": _s3_time(moment),
        "eventName": event_name,
        "userIdentity": {"principalId": "newsingest"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": f"{REPLAY_CONFIGURATION_PREFIX}{run_id}",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }


def object_created_message(bucket: str, obj: StoredObject, *, run_id: str, region: str = "us-east-1") -> str:
    """The `ObjectCreated:Put` notification S3 would send for the object's version, dated when it was
    written (an undated article is filed under that day, as its upload would have been)."""
    described: dict[str, object] = {"key": encoded_key(obj.key), "size": obj.size}
    if obj.etag:
        described["eTag"] = obj.etag.strip('"')
    if obj.version_id and obj.version_id != "null":
        described["versionId"] = obj.version_id
    record = _record(bucket, region, run_id, "ObjectCreated:Put", obj.last_modified, described)
    return json.dumps({"Records": [record]}, separators=(",", ":"))


def object_removed_message(bucket: str, key: str, *, run_id: str, at: datetime, region: str = "us-east-1") -> str:
    """The `ObjectRemoved:DeleteMarkerCreated` notification of a key that no longer holds anything."""
    record = _record(bucket, region, run_id, "ObjectRemoved:DeleteMarkerCreated", at, {"key": encoded_key(key)})
    return json.dumps({"Records": [record]}, separators=(",", ":"))

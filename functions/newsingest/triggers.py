"""What can start an ingest: S3 notifications (through SQS, the template's choice, or straight to
Lambda) and S3 events through EventBridge, normalised to one shape. The models read only the
fields both S3 and moto send: moto omits some that Powertools' `S3Model` requires.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from newsingest.models import SourceRef


class _Inbound(BaseModel):
    """AWS adds fields over time: inbound models ignore what they do not use."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ChangeKind(StrEnum):
    CREATED = "created"
    REMOVED = "removed"


class ObjectChange(_Inbound):
    """One object created or removed, keys decoded."""

    kind: ChangeKind
    source: SourceRef
    event_time: datetime
    size: int | None = None
    replay: str | None = None
    """Set on a message a newsingest tool sent (backfill, reconcile): its run, `REPLAY_CONFIGURATION_PREFIX`
    and a run id. Ingest then reads whatever the key holds now, not the version the message names."""


class _S3Bucket(_Inbound):
    name: str


class _S3Object(_Inbound):
    key: str
    size: int | None = None
    e_tag: str | None = Field(default=None, alias="eTag")
    version_id: str | None = Field(default=None, alias="versionId")
    sequencer: str | None = None


class _S3Entity(_Inbound):
    configuration_id: str | None = Field(default=None, alias="configurationId")
    bucket: _S3Bucket
    object: _S3Object


class S3NotificationRecord(_Inbound):
    """One record of an S3 event notification (keys URL-encoded, `+` for space)."""

    event_name: str = Field(alias="eventName")
    event_time: datetime = Field(alias="eventTime")
    s3: _S3Entity


class S3Notification(_Inbound):
    """An S3 event notification message: the body of an SQS message, or a direct invocation."""

    records: list[S3NotificationRecord] = Field(alias="Records")


class S3TestEvent(_Inbound):
    """Sent once when a notification configuration is set: carries no object, must be skipped."""

    event: Literal["s3:TestEvent"] = Field(alias="Event")
    bucket: str | None = Field(default=None, alias="Bucket")


class _EventBridgeObject(_Inbound):
    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = Field(default=None, alias="version-id")
    sequencer: str | None = None


class _EventBridgeDetail(_Inbound):
    bucket: _S3Bucket
    object: _EventBridgeObject
    deletion_type: str | None = Field(default=None, alias="deletion-type")


class S3EventBridgeEvent(_Inbound):
    """S3 "Object Created" / "Object Deleted" delivered by EventBridge."""

    detail_type: Literal["Object Created", "Object Deleted"] = Field(alias="detail-type")
    source: Literal["aws.s3"]
    time: datetime
    detail: _EventBridgeDetail


S3Message = S3Notification | S3TestEvent | S3EventBridgeEvent
"""Anything S3 (directly or through EventBridge) puts in the ingest queue."""

S3_MESSAGE_ADAPTER: TypeAdapter[S3Message] = TypeAdapter(S3Message)


class UnrecognisedTrigger(ValueError):
    """The event is not one of the shapes S3 sends: a wiring mistake, not a bad article."""


DELETE_MARKER_EVENT = "ObjectRemoved:DeleteMarkerCreated"

REPLAY_CONFIGURATION_PREFIX = "newsingest-replay/"
"""The `configurationId` of the S3 notifications newsingest's tools send (backfill, reconcile --fix):
followed by the run's id. S3's own messages carry the name of the bucket's notification configuration."""
DELETE_MARKER_DELETION_TYPE = "Delete Marker Created"


def _strip_quotes(etag: str | None) -> str | None:
    return etag.strip('"') if etag else etag


def _removed_version(version_id: str | None, *, delete_marker: bool) -> str | None:
    """A delete marker's version id names the marker: the object is gone whatever version the index
    holds. A permanent delete names the version removed, perhaps an old one."""
    return None if delete_marker else version_id


def changes_in(message: S3Message) -> list[ObjectChange]:
    """The object changes a message reports, keys decoded; none for `s3:TestEvent`."""
    if isinstance(message, S3TestEvent):
        return []
    if isinstance(message, S3EventBridgeEvent):
        detail = message.detail.object
        kind = ChangeKind.CREATED if message.detail_type == "Object Created" else ChangeKind.REMOVED
        marker = message.detail.deletion_type == DELETE_MARKER_DELETION_TYPE
        return [
            ObjectChange(
                kind=kind,
                source=SourceRef(
                    bucket=message.detail.bucket.name,
                    key=unquote_plus(detail.key),
                    version_id=_removed_version(detail.version_id, delete_marker=marker),
                    etag=_strip_quotes(detail.etag),
                    sequencer=detail.sequencer,
                ),
                event_time=message.time,
                size=detail.size,
            )
        ]
    changes = []
    for record in message.records:
        if record.event_name.startswith("ObjectCreated:"):
            kind = ChangeKind.CREATED
        elif record.event_name.startswith("ObjectRemoved:"):
            kind = ChangeKind.REMOVED
        else:
            continue  # e.g. ObjectRestore, Replication, LifecycleTransition: nothing to index
        obj = record.s3.object
        configuration = record.s3.configuration_id or ""
        changes.append(
            ObjectChange(
                kind=kind,
                source=SourceRef(
                    bucket=record.s3.bucket.name,
                    key=unquote_plus(obj.key),
                    version_id=_removed_version(obj.version_id, delete_marker=record.event_name == DELETE_MARKER_EVENT),
                    etag=_strip_quotes(obj.e_tag),
                    sequencer=obj.sequencer,
                ),
                event_time=record.event_time,
                size=obj.size,
                replay=configuration if configuration.startswith(REPLAY_CONFIGURATION_PREFIX) else None,
            )
        )
    return changes


def parse_s3_message(payload: Any) -> S3Message:
    """Validate a decoded JSON payload as one of the S3 message shapes."""
    try:
        return S3_MESSAGE_ADAPTER.validate_python(payload)
    except ValidationError as exc:
        raise UnrecognisedTrigger(f"not an S3 notification or S3 EventBridge event: {exc}") from exc

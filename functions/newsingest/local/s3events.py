"""Makes moto's S3 notify a versioned bucket's changes the way S3 does, for the local stack.

moto 5.2 leaves three gaps that lose data in a pipeline driven by notifications: its records
carry no `versionId` and no `sequencer` (so a key given back bytes it held before looks like a
duplicate of the old version, and events for one key cannot be ordered); `delete_object` without
a version id creates a delete marker and sends nothing (S3 sends `ObjectRemoved:DeleteMarkerCreated`);
and deleting by version id sends `ObjectRemoved:Delete` only when the key's last version goes,
naming the wrong version (S3 sends one per version removed, naming it). `install()` fills these
gaps on moto's in-process backend, which both `mock_aws` and the local server use; it is written
for the moto versions in `PATCHED_MOTO_VERSIONS`, and tests/infrastructure/test_local_s3events.py
fails if moto changes what it wraps.
"""

from __future__ import annotations

import functools
import itertools
import threading
from dataclasses import dataclass
from typing import Any

PATCHED_MOTO_VERSIONS = ("5.2.",)
"""The moto releases whose `S3Backend.delete_object` and `notifications._get_s3_event` this wraps."""

REMOVED_EVENTS = frozenset({"s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated"})

_writes = threading.RLock()
"""Serialises the backend's writes so that sequencers follow the order versions were made in,
as S3's do for one key (moto's server handles requests on several threads)."""
_sequence = itertools.count(1)
_local = threading.local()


@dataclass(frozen=True)
class _Removed:
    """What a removal notification describes: a version or a delete marker that is gone or new."""

    name: str
    version_id: str
    etag: str = ""
    size: int = 0
    marker: bool = False


def installed() -> bool:
    from moto.s3 import notifications

    return bool(getattr(notifications, "_newsingest_s3events", False))


def install() -> None:
    """Wrap moto's S3 backend once per process (idempotent)."""
    import moto
    from moto.s3 import models, notifications

    if installed():
        return
    if not moto.__version__.startswith(PATCHED_MOTO_VERSIONS):
        raise RuntimeError(
            f"newsingest.local.s3events was written for moto {PATCHED_MOTO_VERSIONS}, not {moto.__version__}: "
            "check that moto still omits versionId, sequencer and delete-marker notifications, then update it"
        )
    original_event = notifications._get_s3_event
    original_send = notifications.send_event
    original_delete = models.S3Backend.delete_object

    @functools.wraps(original_event)
    def s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event: dict[str, Any] = original_event(event_name, bucket, key, notification_id)
        described = event["Records"][0]["s3"]["object"]
        version_id = getattr(key, "version_id", None)
        if bucket.is_versioned and version_id not in (None, "null"):
            described["versionId"] = str(version_id)
        described["sequencer"] = f"{next(_sequence):016X}"
        if getattr(key, "marker", False):  # S3 gives a delete marker no size and no ETag
            described.pop("eTag", None)
            described.pop("size", None)
        return event

    @functools.wraps(original_send)
    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if getattr(_local, "muted", False) and str(getattr(event_name, "value", event_name)) in REMOVED_EVENTS:
            return  # delete_object below sends what S3 would instead
        original_send(account_id, event_name, bucket, key)

    @functools.wraps(original_delete)
    def delete_object(
        self: Any, bucket_name: str, key_name: str, version_id: str | None = None, bypass: bool = False
    ) -> tuple[bool, dict[str, Any]]:
        with _writes:
            bucket = self.get_bucket(bucket_name)
            if not bucket.is_versioned:
                return original_delete(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
            before = {str(item.version_id): item for item in bucket.keys.getlist(key_name, [])}
            _local.muted = True
            try:
                result: tuple[bool, dict[str, Any]] = original_delete(
                    self, bucket_name, key_name, version_id=version_id, bypass=bypass
                )
            finally:
                _local.muted = False
            meta = result[1]
            if version_id is None and meta.get("delete-marker") == "true":
                marker = _Removed(key_name, str(meta["version-id"]), marker=True)
                send_event(
                    self.account_id,
                    notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                    bucket,
                    marker,
                )
            elif version_id is not None and str(version_id) in before:
                gone = before[str(version_id)]
                removed = _Removed(
                    key_name,
                    str(version_id),
                    etag=str(getattr(gone, "etag", "")),
                    size=int(getattr(gone, "size", 0) or 0),
                    marker=isinstance(gone, models.FakeDeleteMarker),
                )
                send_event(
                    self.account_id, notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_EVENT, bucket, removed
                )
            return result

    def serialised(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _writes:
                return method(*args, **kwargs)

        return wrapper

    notifications._get_s3_event = s3_event
    notifications.send_event = send_event
    models.S3Backend.delete_object = delete_object  # type: ignore[method-assign]
    for name in ("put_object", "copy_object", "complete_multipart_upload"):
        setattr(models.S3Backend, name, serialised(getattr(models.S3Backend, name)))
    setattr(notifications, "_newsingest_s3events", True)  # noqa: B010 - a marker moto's module lacks

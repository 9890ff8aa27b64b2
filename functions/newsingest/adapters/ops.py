"""The AWS side of the operator's tools (`newsingest.ops`): the bucket's listing, sending to a
queue, a dead-letter queue's messages and the index table's items, read with the requests the
docstrings name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code
from newsingest.ops.messages import StoredObject

SEND_ATTEMPTS = 5
"""SendMessageBatch entries SQS refused are sent again this many times before the tool stops (its
checkpoint keeps what went): SQS refuses an entry only when throttled or failing."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class S3Listing:
    """A bucket's keys from ListObjectVersions (1,000 a request, in key order): for each key its
    current version, or the delete marker that hides it."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def latest(
        self, prefix: str, *, start_after: str | None = None
    ) -> Iterator[tuple[str, StoredObject | None, datetime]]:
        """(key, its current version or None when a delete marker is current, when that was written),
        in key order, for every key under the prefix after `start_after`."""
        kwargs: dict[str, Any] = {"Bucket": self._bucket, "Prefix": prefix}
        if start_after:
            kwargs["KeyMarker"] = start_after
        while True:
            page = self._client.list_object_versions(**kwargs)
            found: list[tuple[str, StoredObject | None, datetime]] = []
            for version in page.get("Versions", []):
                if version.get("IsLatest"):
                    stored = StoredObject(
                        key=version["Key"],
                        size=int(version.get("Size", 0)),
                        etag=str(version.get("ETag", "")).strip('"') or None,
                        version_id=version.get("VersionId"),
                        last_modified=_aware(version["LastModified"]),
                    )
                    found.append((stored.key, stored, stored.last_modified))
            for marker in page.get("DeleteMarkers", []):
                if marker.get("IsLatest"):
                    found.append((marker["Key"], None, _aware(marker["LastModified"])))
            yield from sorted(found, key=lambda entry: entry[0])
            if not page.get("IsTruncated"):
                return
            kwargs["KeyMarker"] = page["NextKeyMarker"]
            if page.get("NextVersionIdMarker"):
                kwargs["VersionIdMarker"] = page["NextVersionIdMarker"]
            else:
                kwargs.pop("VersionIdMarker", None)

    def current_objects(self, prefix: str, *, start_after: str | None) -> Iterator[StoredObject]:
        """The objects that exist (whose current version is not a delete marker), in key order."""
        for _, stored, _ in self.latest(prefix, start_after=start_after):
            if stored is not None:
                yield stored


class SendFailed(RuntimeError):
    """SQS kept refusing some messages."""


class SqsSender:
    """SendMessageBatch to one queue, sending refused entries again."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, bodies: Sequence[str]) -> None:
        for start in range(0, len(bodies), 10):
            pending = {str(index): body for index, body in enumerate(bodies[start : start + 10])}
            for _ in range(SEND_ATTEMPTS):
                response = self._client.send_message_batch(
                    QueueUrl=self._queue_url,
                    Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()],
                )
                pending = {failure["Id"]: pending[failure["Id"]] for failure in response.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise SendFailed(f"SQS refused {len(pending)} message(s) {SEND_ATTEMPTS} times")


def is_unsupported(exc: Exception) -> bool:
    """Whether an endpoint does not offer an action: moto raises NotImplementedError in-process and
    answers 500 or `InvalidAction` as a server; an SQS without message-move tasks answers the same."""
    if isinstance(exc, NotImplementedError):
        return True
    if isinstance(exc, ClientError):
        code = error_code(exc) or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in (
            "InvalidAction",
            "UnsupportedOperation",
            "NotImplemented",
            "AWS.SimpleQueueService.UnsupportedOperation",
        ) or (status in (500, 501) and "not been implemented" in str(exc))
    return False

"""S3 as the ObjectStore: bounded reads of originals, newline-delimited JSON writes of parsed articles."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code
from newsingest.ingest import FetchedObject, ObjectGone, ObjectTooLarge
from newsingest.models import SourceRef

NDJSON_CONTENT_TYPE = "application/x-ndjson"
"""What Athena, Spark and `jq` users expect of a newline-delimited JSON object."""

_GONE_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound", "PreconditionFailed", "412"})


class S3ObjectStore:
    """Reads the version (or ETag) the event named and no more than the limit, in one ranged GET whose
    Content-Range gives the size before the body is read: no HEAD round trip per article."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        if source.bucket is None:
            raise ValueError("an S3 source needs a bucket")
        selector: dict[str, Any] = {"Bucket": source.bucket, "Key": source.key}
        if source.version_id:
            selector["VersionId"] = source.version_id
        elif source.etag:
            selector["IfMatch"] = f'"{source.etag}"'
        try:
            try:
                # The range caps the read even if the object was overwritten since its event.
                response = self._client.get_object(**selector, Range=f"bytes=0-{max_bytes}")
            except ClientError as exc:
                if error_code(exc) != "InvalidRange":
                    raise
                return self._empty_object(selector)  # S3's answer to a ranged GET of an empty object
            size = _object_size(response)
            etag = str(response.get("ETag", "")).strip('"') or None
            if size is not None and size > max_bytes:
                response["Body"].close()
                raise ObjectTooLarge(
                    size, max_bytes, version_id=response.get("VersionId"), etag=etag, read_at=answered_at(response)
                )
            data = response["Body"].read(max_bytes + 1)
        except ClientError as exc:
            if error_code(exc) in _GONE_CODES:
                raise ObjectGone(f"s3://{source.bucket}/{source.key}", read_at=answered_at(exc.response)) from exc
            raise
        if len(data) > max_bytes:
            raise ObjectTooLarge(
                len(data), max_bytes, version_id=response.get("VersionId"), etag=etag, read_at=answered_at(response)
            )
        return FetchedObject(
            data=data,
            content_type=response.get("ContentType"),
            content_encoding=response.get("ContentEncoding"),
            etag=etag,
            version_id=response.get("VersionId"),
            read_at=answered_at(response),
        )

    def _empty_object(self, selector: dict[str, Any]) -> FetchedObject:
        head = self._client.head_object(**selector)
        return FetchedObject(
            data=b"",
            content_type=head.get("ContentType"),
            content_encoding=head.get("ContentEncoding"),
            etag=str(head.get("ETag", "")).strip('"') or None,
            version_id=head.get("VersionId"),
            read_at=answered_at(head),
        )

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=NDJSON_CONTENT_TYPE)


def answered_at(response: Any) -> datetime | None:
    """When S3 answered, by its own clock: the `Date` header (whole seconds), if it sent one."""
    headers = (response or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        return parsedate_to_datetime(headers["date"]) if headers.get("date") else None
    except (TypeError, ValueError):
        return None


def _object_size(response: dict[str, Any]) -> int | None:
    """The whole object's size from a ranged GET's Content-Range ("bytes 0-99/100"); None when
    the store sent none (a full 200 answer: the bounded read still enforces the limit)."""
    total = str(response.get("ContentRange") or "").rpartition("/")[2]
    return int(total) if total.isdigit() else None

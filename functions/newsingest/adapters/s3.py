"""S3 as the ObjectStore: bounded reads of originals, JSON writes of parsed articles."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from newsingest.ingest import FetchedObject, ObjectGone, ObjectTooLarge
from newsingest.models import SourceRef

_GONE_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound", "PreconditionFailed", "412"})


class S3ObjectStore:
    """Reads exactly the object version the event named (or the ETag it reported), never more
    than the size limit: a HEAD first, then a ranged GET that cannot exceed it."""

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
            head = self._client.head_object(**selector)
            size = int(head["ContentLength"])
            if size > max_bytes:
                raise ObjectTooLarge(size, max_bytes)
            if size == 0:  # a ranged GET of an empty object is an InvalidRange error
                return FetchedObject(
                    data=b"",
                    content_type=head.get("ContentType"),
                    content_encoding=head.get("ContentEncoding"),
                    etag=str(head.get("ETag", "")).strip('"') or None,
                    version_id=head.get("VersionId"),
                )
            # The range caps the read even if the object was overwritten between HEAD and GET.
            response = self._client.get_object(**selector, Range=f"bytes=0-{max_bytes}")
            data = response["Body"].read(max_bytes + 1)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _GONE_CODES:
                raise ObjectGone(f"s3://{source.bucket}/{source.key}") from exc
            raise
        if len(data) > max_bytes:
            raise ObjectTooLarge(len(data), max_bytes)
        return FetchedObject(
            data=data,
            content_type=response.get("ContentType"),
            content_encoding=response.get("ContentEncoding"),
            etag=str(response.get("ETag", "")).strip('"') or None,
            version_id=response.get("VersionId"),
        )

    def put_json(self, bucket: str, key: str, body: bytes) -> None:
        self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")

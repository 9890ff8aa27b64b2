"""Ranged S3 reads of the parsed articles (`parsed/dt=<day>/<digest>.ndjson`) for the query API.

Not in adapters/s3.py: that module imports the ingest service (newsingest.ingest), which the API
function's artifact must not carry (tests/infrastructure/test_build.py checks it).
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code
from newsingest.models import Article

LINE_RANGE = re.compile(r"^bytes=[0-9]+-[0-9]+$")
"""S3 ignores a malformed Range and sends the whole batch object: refuse one rather than read it."""

_GONE_CODES = frozenset({"NoSuchKey", "404", "NotFound", "InvalidRange", "AccessDenied", "403"})
"""Answers meaning the line is not there any more. S3 answers 403, not 404, for a missing key to a
caller without s3:ListBucket, and the API role may only GetObject under parsed/ (listing would show
it every uploaded key): there, AccessDenied means expired or deleted. InvalidRange: the object at
that key is shorter than the line the index points at, so it is not the copy that was indexed."""


class ParsedArticleGone(LookupError):
    """The parsed copy the index points at is no longer in S3 (the retention rule expired it, or it
    was deleted); `code` is S3's error code, kept for the logs."""

    def __init__(self, uri: str, code: str) -> None:
        super().__init__(f"{uri}: {code}")
        self.uri = uri
        self.code = code


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of an `s3://bucket/key` URI."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise ValueError(f"not an s3://bucket/key URI: {uri}")
    return bucket, key


class ParsedArticleReader:
    """Reads one article's line of a batch object with one ranged GET: the object holds a whole
    ingest batch, so reading it all to pick one line would cost up to batch-size times more."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def read(self, uri: str, byte_range: str) -> Article:
        """The article at `byte_range` (`bytes=START-END`) of `uri`, validated."""
        bucket, key = split_s3_uri(uri)
        if not LINE_RANGE.fullmatch(byte_range):
            raise ValueError(f"not a byte range: {byte_range}")
        try:
            response = self._client.get_object(Bucket=bucket, Key=key, Range=byte_range)
        except ClientError as exc:
            code = error_code(exc)
            if code in _GONE_CODES:
                raise ParsedArticleGone(uri, str(code)) from exc
            raise
        body = response["Body"]
        try:
            line = body.read()
        finally:
            body.close()
        return Article.model_validate_json(line)

"""Ranged S3 reads of parsed articles for the query API; apart from adapters/s3.py, which imports
the ingest service that the API's artifact must not carry (tests/infrastructure/test_build.py).
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
"""The line is gone: S3 answers 403 for a missing key to the API role (GetObject under parsed/ only,
no listing), and InvalidRange means the object is not the copy that was indexed."""


class ParsedArticleGone(LookupError):
    """The parsed copy the index points at was expired or deleted; `code` is S3's, for the logs."""

    def __init__(self, uri: str, code: str) -> None:
        super().__init__(f"{uri}: {code}")
        self.uri = uri
        self.code = code


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise ValueError(f"not an s3://bucket/key URI: {uri}")
    return bucket, key


class ParsedArticleReader:
    """One ranged GET per article, not a read of the whole ingest batch's object."""

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

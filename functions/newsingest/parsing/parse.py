"""`parse_article`: an uploaded object's bytes to an `Article`, or a `RejectedInput` saying why not.

The steps run from cheapest to dearest so bad input is turned away before any parsing: size,
emptiness and binary checks on the bytes, then decoding, format detection, extraction and
language detection. Entity extraction is not done here (it runs in its own stage).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from newsingest.errors import RejectedInput, RejectReason
from newsingest.models import Article, SourceRef, article_id_for, hash_text
from newsingest.parsing.decode import decode_text, gunzip_limited
from newsingest.parsing.detect import (
    COMPRESSION_MEDIA_TYPES,
    InputFormat,
    content_type_charset,
    detect_format,
    is_gzip,
    media_type,
    reject_unsupported,
    strip_compression_suffix,
)
from newsingest.parsing.fields import Extraction, normalize_whitespace
from newsingest.parsing.html import extract_html
from newsingest.parsing.jsonrecord import parse_json_record
from newsingest.parsing.language import detect_language
from newsingest.parsing.plaintext import parse_plaintext
from newsingest.settings import DEFAULT_MAX_OBJECT_BYTES
from newsingest.version import __version__

_WORD = re.compile(r"\w+")

EXTRACTORS: dict[InputFormat, Callable[[str], Extraction]] = {
    InputFormat.TEXT: parse_plaintext,
    InputFormat.HTML: extract_html,
    InputFormat.JSON: parse_json_record,
}


def parse_article(
    data: bytes,
    *,
    key: str = "",
    content_type: str | None = None,
    source: SourceRef | None = None,
    max_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
) -> Article:
    """Parse one uploaded object (plain text, HTML or JSON, optionally gzipped) into an `Article`.

    `key` and `content_type` are hints for format detection; `source` defaults to the key alone.
    Raises `RejectedInput` for input that can never become an article (see `RejectReason`).
    """
    if len(data) > max_bytes:
        raise RejectedInput(RejectReason.TOO_LARGE, f"{len(data)} bytes exceed the limit of {max_bytes}")
    source = source if source is not None else SourceRef(key=key)
    if is_gzip(data):
        data = gunzip_limited(data, max_bytes)
        key = strip_compression_suffix(key)
        if media_type(content_type) in COMPRESSION_MEDIA_TYPES:
            content_type = None
    if not data.strip():
        raise RejectedInput(RejectReason.EMPTY, "the object is empty")
    reject_unsupported(data, key=key, content_type=content_type)
    text = unicodedata.normalize("NFC", decode_text(data, charset=content_type_charset(content_type)))
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise RejectedInput(RejectReason.EMPTY, "the object holds only whitespace")
    input_format = detect_format(text, key=key, content_type=content_type)
    extraction = EXTRACTORS[input_format](text)
    body = unicodedata.normalize("NFC", extraction.text.strip())
    word_count = len(_WORD.findall(body))
    if word_count == 0:
        raise RejectedInput(RejectReason.NO_MAIN_TEXT, f"no article text found in the {input_format} document")
    content_sha256 = hash_text(body)
    return Article(
        id=article_id_for(content_sha256),
        source=source,
        format=str(input_format),
        url=extraction.url,
        title=_nfc(extraction.title),
        authors=[name for name in (_nfc(author) for author in extraction.authors) if name],
        published_at=extraction.published_at,
        language=detect_language(body, declared=extraction.declared_language),
        text=body,
        word_count=word_count,
        content_sha256=content_sha256,
        entities=[],
        extractor_version=__version__,
    )


def _nfc(value: str | None) -> str | None:
    """Whitespace-normalised NFC form of a title or name; None when blank."""
    if not value:
        return None
    return unicodedata.normalize("NFC", normalize_whitespace(value)) or None


def parse_articles(
    data: bytes,
    *,
    key: str = "",
    content_type: str | None = None,
    source: SourceRef | None = None,
    max_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
) -> list[Article]:
    """Every article an object holds, in order. One for now: multi-record JSON comes next."""
    return [parse_article(data, key=key, content_type=content_type, source=source, max_bytes=max_bytes)]

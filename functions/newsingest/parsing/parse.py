"""`parse_articles`: an uploaded object's bytes to its `Article`s, or a `RejectedInput` saying why not.

The steps run from cheapest to dearest so bad input is turned away before any parsing: size,
emptiness and binary checks on the bytes, then decompression, decoding (and repair of text
that was decoded twice upstream), format detection, extraction and language detection. Entity extraction is not
done here (it runs in its own stage).

Plain text, HTML and a JSON object are one article each; a JSON list, newline-delimited JSON and
an API envelope (`{"articles": [...]}`) give one article per record, in order, each with its
record index in `source.record`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from newsingest.errors import RejectedInput, RejectReason
from newsingest.limits import DEFAULT_MAX_OBJECT_BYTES
from newsingest.models import Article, SourceRef, article_id_for, hash_text
from newsingest.parsing.decode import decode_text, gunzip_limited, repair_mojibake
from newsingest.parsing.detect import (
    COMPRESSION_MEDIA_TYPES,
    InputFormat,
    content_type_charset,
    detect_format,
    is_gzip,
    media_type,
    reject_unsupported,
    reject_unsupported_encoding,
    strip_compression_suffix,
)
from newsingest.parsing.fields import LONE_SURROGATE, Extraction, normalize_whitespace
from newsingest.parsing.html import extract_html
from newsingest.parsing.jsonrecord import read_json_records, record_extraction
from newsingest.parsing.language import detect_language
from newsingest.parsing.plaintext import parse_plaintext
from newsingest.textpatterns import WORD
from newsingest.version import __version__

SINGLE_ARTICLE_EXTRACTORS: dict[InputFormat, Callable[[str], Extraction]] = {
    InputFormat.TEXT: parse_plaintext,
    InputFormat.HTML: extract_html,
}


def parse_articles(
    data: bytes,
    *,
    key: str = "",
    content_type: str | None = None,
    source: SourceRef | None = None,
    max_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    content_encoding: str | None = None,
) -> list[Article]:
    """Every article an uploaded object holds, in order (plain text, HTML or JSON, optionally gzipped).

    `key` and `content_type` are hints for format detection; `source` defaults to the key alone.
    `content_encoding` is the object's Content-Encoding: gzip is recognised by its bytes whatever
    it says, and an encoding this cannot undo (br, deflate, zstd) is refused as `unsupported_type`.
    In a multi-record JSON object a record without text is skipped as long as another record
    parses; when none does, the first record's rejection is raised. Raises `RejectedInput` for
    input that can never become an article (see `RejectReason`).
    """
    source = source if source is not None else SourceRef(key=key)
    reject_unsupported_encoding(content_encoding)
    text, input_format = _decode(data, key=key, content_type=content_type, max_bytes=max_bytes)
    if input_format is not InputFormat.JSON:
        return [_article(SINGLE_ARTICLE_EXTRACTORS[input_format](text), input_format, source)]
    document = read_json_records(text)
    if not document.multiple:
        return [_article(record_extraction(document.records[0]), input_format, source)]
    articles: list[Article] = []
    first_rejection: RejectedInput | None = None
    for index, record in enumerate(document.records):
        try:
            extraction = record_extraction(record)
            articles.append(_article(extraction, input_format, source.model_copy(update={"record": index})))
        except RejectedInput as rejection:
            first_rejection = first_rejection or rejection
    if not articles and first_rejection is not None:
        raise first_rejection
    return articles


def parse_article(
    data: bytes,
    *,
    key: str = "",
    content_type: str | None = None,
    source: SourceRef | None = None,
    max_bytes: int = DEFAULT_MAX_OBJECT_BYTES,
    content_encoding: str | None = None,
) -> Article:
    """The first article of an uploaded object: the only one, except in a multi-record JSON
    object (use `parse_articles` for all of them). Same arguments and rejections as `parse_articles`.
    """
    return parse_articles(
        data,
        key=key,
        content_type=content_type,
        source=source,
        max_bytes=max_bytes,
        content_encoding=content_encoding,
    )[0]


def _decode(data: bytes, *, key: str, content_type: str | None, max_bytes: int) -> tuple[str, InputFormat]:
    """The object's text and format, after size, compression, emptiness and binary checks."""
    if len(data) > max_bytes:
        raise RejectedInput(RejectReason.TOO_LARGE, f"{len(data)} bytes exceed the limit of {max_bytes}")
    if is_gzip(data):
        data = gunzip_limited(data, max_bytes)
    # a compressed object is named by its inner key ('a.html.gz' is HTML), whether it still is
    # compressed or a client already inflated it; 'application/gzip' says nothing about the inside
    key = strip_compression_suffix(key)
    if media_type(content_type) in COMPRESSION_MEDIA_TYPES:
        content_type = None
    if not data.strip():
        raise RejectedInput(RejectReason.EMPTY, "the object is empty")
    reject_unsupported(data, key=key, content_type=content_type)
    decoded = repair_mojibake(decode_text(data, charset=content_type_charset(content_type)))
    text = unicodedata.normalize("NFC", decoded).lstrip("\ufeff")
    if not text.strip():
        raise RejectedInput(RejectReason.EMPTY, "the object holds only whitespace")
    return text, detect_format(text, key=key, content_type=content_type)


def _article(extraction: Extraction, input_format: InputFormat, source: SourceRef) -> Article:
    """The `Article` of one extraction: its text checked, hashed and its language detected."""
    body = _clean_text(extraction.text.strip())
    word_count = len(WORD.findall(body))
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
        modified_at=extraction.modified_at,
        site_name=_nfc(extraction.site_name),
        description=_nfc(extraction.description),
        language=detect_language(body, declared=extraction.declared_language),
        text=body,
        word_count=word_count,
        content_sha256=content_sha256,
        entities=[],
        extractor_version=__version__,
    )


def _nfc(value: str | None) -> str | None:
    """Whitespace-normalised, cleaned form of a title or name; None when blank."""
    if not value:
        return None
    return _clean_text(normalize_whitespace(value)) or None


def _clean_text(value: str) -> str:
    """NFC text without lone surrogates (JSON escapes can produce them) or mojibake (JSON records
    and HTML entities can carry it past the repair of the whole object)."""
    return unicodedata.normalize("NFC", repair_mojibake(LONE_SURROGATE.sub("\ufffd", value)))

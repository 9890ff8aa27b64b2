"""JSON articles: one record shaped like a news API item (NewsAPI, GDELT, RSS-to-JSON exports).

Field names vary by provider; each field is read from the first of its usual names that is
present. A file holding several records (a JSON list, NDJSON, or an API envelope such as
`{"articles": [...]}`) yields its first record only: one article per record is a later issue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from newsingest.errors import RejectedInput, RejectReason
from newsingest.parsing.fields import (
    Extraction,
    clean_title,
    normalize_language,
    normalize_url,
    parse_datetime,
    split_authors,
)
from newsingest.parsing.html import html_fragment_text
from newsingest.parsing.plaintext import PARAGRAPH_SEPARATOR, text_paragraphs

TEXT_FIELDS = ("body", "text", "content", "articleBody")
"""Where the article text is, in order of preference: the first one present wins."""
TITLE_FIELDS = ("title", "headline")
URL_FIELDS = ("url", "link", "canonical_url")
DATE_FIELDS = ("published", "publishedAt", "published_at", "date", "datePublished", "pubDate")
AUTHOR_FIELDS = ("author", "authors", "byline", "creator")
LANGUAGE_FIELDS = ("language", "lang", "inLanguage")
RECORD_LIST_FIELDS = ("articles", "results", "items", "data", "records", "entries")
"""Envelopes of news APIs around their list of records (NewsAPI `articles`, many `results`)."""

_HTML_MARKUP = re.compile(r"<(?:p|br|div|span|a|em|strong|b|i|h[1-6]|ul|ol|li|blockquote|figure|img)\b[^>]*>", re.I)
"""Tags that betray an HTML body; a lone '<' in text ('a < b') does not match."""


def parse_json_record(text: str) -> Extraction:
    """The article in a JSON (or NDJSON) document.

    Raises `invalid_json` when the document does not parse or its record has no text field;
    the text is '' when the field holds no text (for `no_main_text`).
    """
    record = _first_record(_load(text))
    body = _first_present(record, TEXT_FIELDS)
    if body is None:
        raise RejectedInput(RejectReason.INVALID_JSON, f"the record has none of the text fields {TEXT_FIELDS}")
    return Extraction(
        text=_body_text(body),
        title=clean_title(_first_present(record, TITLE_FIELDS)),
        authors=split_authors(_first_present(record, AUTHOR_FIELDS)),
        published_at=parse_datetime(_first_present(record, DATE_FIELDS)),
        url=normalize_url(_first_present(record, URL_FIELDS)),
        declared_language=normalize_language(_first_present(record, LANGUAGE_FIELDS)),
    )


def _load(text: str) -> Any:
    """The parsed document; for NDJSON (or concatenated JSON) the first value."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise RejectedInput(RejectReason.INVALID_JSON, f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise RejectedInput(RejectReason.INVALID_JSON, "JSON nested too deeply") from exc
    # NDJSON: the first value parsed, the rest is further records
    try:
        value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except (json.JSONDecodeError, RecursionError) as exc:  # pragma: no cover - parsed above
        raise RejectedInput(RejectReason.INVALID_JSON, f"not valid JSON: {exc}") from exc
    return value


def _first_record(document: Any) -> Mapping[str, Any]:
    """The first record: the object itself, the first of a list, or the first in an API envelope."""
    if isinstance(document, list):
        document = document[0] if document else None
    if isinstance(document, Mapping) and _first_present(document, TEXT_FIELDS) is None:
        for key in RECORD_LIST_FIELDS:
            records = document.get(key)
            if isinstance(records, list) and records and isinstance(records[0], Mapping):
                return records[0]
    if not isinstance(document, Mapping):
        raise RejectedInput(RejectReason.INVALID_JSON, "the JSON document holds no article record (an object)")
    return document


def _first_present(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The value of the first field that is present and not null or blank."""
    for name in names:
        value = record.get(name)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _body_text(body: object) -> str:
    """Paragraphs of a body given as text, HTML, or a list of paragraph strings."""
    if isinstance(body, list) and all(isinstance(item, str) for item in body):
        body = PARAGRAPH_SEPARATOR.join(body)
    if not isinstance(body, str):
        raise RejectedInput(RejectReason.INVALID_JSON, f"the text field holds a {type(body).__name__}, not text")
    if _HTML_MARKUP.search(body):
        body = html_fragment_text(body)
    return PARAGRAPH_SEPARATOR.join(text_paragraphs(body))

"""JSON articles: one per record shaped like a news API's item (NewsAPI, GDELT, RSS-to-JSON), in an
object, a list, NDJSON or an API envelope; each field is read from the first of its providers'
usual names that is present."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from newsingest.parsing.fragment import html_fragment_text
from newsingest.parsing.plaintext import PARAGRAPH_SEPARATOR, text_paragraphs

TEXT_FIELDS = ("body", "text", "content", "articleBody")
TITLE_FIELDS = ("title", "headline")
URL_FIELDS = ("url", "link", "canonical_url")
DATE_FIELDS = ("published", "publishedAt", "published_at", "date", "datePublished", "pubDate")
MODIFIED_FIELDS = ("modified", "updatedAt", "updated_at", "dateModified", "updated")
AUTHOR_FIELDS = ("author", "authors", "byline", "creator")
LANGUAGE_FIELDS = ("language", "lang", "inLanguage")
DESCRIPTION_FIELDS = ("description", "summary", "abstract")
SOURCE_FIELDS = ("source", "source_name", "site_name", "publisher")
"""The publishing site: NewsAPI's `{"source": {"id": ..., "name": ...}}` or a plain name."""
RECORD_LIST_FIELDS = ("articles", "results", "items", "data", "records", "entries")
"""Envelopes of news APIs around their list of records (NewsAPI `articles`, many `results`)."""

NEWSAPI_TRUNCATION = re.compile(r"(?<!\s)\s*(?:(?:…|\.\.\.)\s*)?\[\+\d+ chars\]\s*$")
"""NewsAPI's '… [+1234 chars]' after 200 characters of `content`. Whitespace runs cannot be split
two ways: 8,000 spaces took over a minute when they could."""

_HTML_MARKUP = re.compile(r"<(?:p|br|div|span|a|em|strong|b|i|h[1-6]|ul|ol|li|blockquote|figure|img)\b[^<>]*>", re.I)
"""Not a lone '<' ('a < b'); a tag ends before the next '<', so many unclosed '<p' are not rescanned."""

MAX_JSON_INT_DIGITS = 19
"""Longer integers are floats, as in JavaScript: 19 digits hold any 64-bit integer and keep clear
of Python's 4,300-digit limit on int() from text."""


@dataclass(frozen=True)
class JsonDocument:
    records: Sequence[object]
    multiple: bool
    """A list, NDJSON or an envelope: each article gets its record index."""


def read_json_records(text: str) -> JsonDocument:
    """The records in order; `invalid_json` when the document does not parse, `empty` for none."""
    values = _load(text)
    if len(values) > 1:
        return JsonDocument(values, multiple=True)
    document = values[0]
    if isinstance(document, list):
        records: Sequence[object] = document
    elif isinstance(document, Mapping) and (envelope := _envelope_records(document)) is not None:
        records = envelope
    else:
        return JsonDocument([document], multiple=False)
    if not records:
        raise RejectedInput(RejectReason.EMPTY, "the JSON document holds an empty list of records")
    return JsonDocument(records, multiple=True)


def _envelope_records(document: Mapping[str, Any]) -> list[object] | None:
    """None for an object that is an article itself."""
    if _first_present(document, TEXT_FIELDS) is not None:
        return None
    return next((value for key in RECORD_LIST_FIELDS if isinstance(value := document.get(key), list)), None)


def record_extraction(record: object) -> Extraction:
    """`invalid_json` for no object or no text field; an empty field gives '' (for `no_main_text`)."""
    if not isinstance(record, Mapping):
        raise RejectedInput(RejectReason.INVALID_JSON, f"the record is a {type(record).__name__}, not an object")
    body = _first_present(record, TEXT_FIELDS)
    if body is None:
        raise RejectedInput(RejectReason.INVALID_JSON, f"the record has none of the text fields {TEXT_FIELDS}")
    return Extraction(
        text=_body_text(body),
        title=clean_title(_first_present(record, TITLE_FIELDS)),
        authors=split_authors(_first_present(record, AUTHOR_FIELDS)),
        published_at=parse_datetime(_first_present(record, DATE_FIELDS)),
        modified_at=parse_datetime(_first_present(record, MODIFIED_FIELDS)),
        url=normalize_url(_first_present(record, URL_FIELDS)),
        site_name=_source_name(_first_present(record, SOURCE_FIELDS)),
        description=clean_title(_first_present(record, DESCRIPTION_FIELDS)),
        declared_language=normalize_language(_first_present(record, LANGUAGE_FIELDS)),
    )


def parse_json_record(text: str) -> Extraction:
    return record_extraction(read_json_records(text).records[0])


def json_int(digits: str) -> int | float:
    return int(digits) if len(digits.lstrip("-")) <= MAX_JSON_INT_DIGITS else float(digits)


def _load(text: str) -> list[Any]:
    """One value for JSON, one per line for NDJSON (or concatenated JSON)."""
    try:
        return [json.loads(text, parse_int=json_int)]
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise RejectedInput(RejectReason.INVALID_JSON, f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise RejectedInput(RejectReason.INVALID_JSON, "JSON nested too deeply") from exc
    decoder = json.JSONDecoder(parse_int=json_int)
    values: list[Any] = []
    position = 0
    while (position := _skip_whitespace(text, position)) < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise RejectedInput(RejectReason.INVALID_JSON, f"not valid JSON lines: {exc}") from exc
        except RecursionError as exc:
            raise RejectedInput(RejectReason.INVALID_JSON, "JSON nested too deeply") from exc
        values.append(value)
    return values


def _skip_whitespace(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n\ufeff":
        position += 1
    return position


def _first_present(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value
    return None


def _source_name(value: object) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name")
    return clean_title(value)


def _body_text(body: object) -> str:
    """Paragraphs of a body given as text, HTML, or a list of paragraph strings."""
    if isinstance(body, list) and all(isinstance(item, str) for item in body):
        body = PARAGRAPH_SEPARATOR.join(body)
    if not isinstance(body, str):
        raise RejectedInput(RejectReason.INVALID_JSON, f"the text field holds a {type(body).__name__}, not text")
    body = NEWSAPI_TRUNCATION.sub("", body)
    if _HTML_MARKUP.search(body):
        body = html_fragment_text(body)
    return PARAGRAPH_SEPARATOR.join(text_paragraphs(body))

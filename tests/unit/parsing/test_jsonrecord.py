"""JSON records shaped like news-API items; the first record of a multi-record file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsingest.errors import RejectedInput
from newsingest.parsing.jsonrecord import parse_json_record

BODY = "The harbour authority confirmed on Monday that the new ferry terminal will open in June."


def _reason(text: str) -> str:
    with pytest.raises(RejectedInput) as caught:
        parse_json_record(text)
    return caught.value.reason


def test_record_fields_are_mapped() -> None:
    # Given a NewsAPI-style record
    record = {
        "title": "  Ferry terminal\n delayed ",
        "content": BODY,
        "url": "https://example.org/ferry",
        "publishedAt": "2024-03-01T10:00:00Z",
        "author": "Ada Byron and Alan Turing",
        "language": "en-GB",
    }

    # When
    extraction = parse_json_record(json.dumps(record))

    # Then
    assert extraction.title == "Ferry terminal delayed"
    assert extraction.text == BODY
    assert extraction.url == "https://example.org/ferry"
    assert extraction.published_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert extraction.authors == ["Ada Byron", "Alan Turing"]
    assert extraction.declared_language == "en"


def test_text_fields_are_taken_in_order_body_text_content_articlebody() -> None:
    record = {"articleBody": "fourth", "content": "third", "text": "second", "body": "first"}
    assert parse_json_record(json.dumps(record)).text == "first"
    del record["body"]
    assert parse_json_record(json.dumps(record)).text == "second"


def test_blank_text_field_is_skipped_for_the_next_one() -> None:
    assert parse_json_record(json.dumps({"body": "  ", "articleBody": BODY})).text == BODY


def test_html_body_is_converted_to_paragraphs() -> None:
    # Given a body holding HTML
    record = {"body": "<p>First paragraph.</p><p>Second <em>paragraph</em>.</p><div class='ad'>Advertisement</div>"}

    # When / Then: tags gone, paragraphs blank-line separated, furniture dropped
    assert parse_json_record(json.dumps(record)).text == "First paragraph.\n\nSecond paragraph."


def test_body_as_a_list_of_paragraphs_is_joined() -> None:
    assert parse_json_record(json.dumps({"text": ["One.", "Two."]})).text == "One.\n\nTwo."


def test_text_with_angle_brackets_is_not_taken_for_html() -> None:
    assert parse_json_record(json.dumps({"body": "Inflation fell to < 2% while wages rose > 3%."})).text == (
        "Inflation fell to < 2% while wages rose > 3%."
    )


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Ada Byron", ["Ada Byron"]),
        ("Ada Byron, Alan Turing", ["Ada Byron", "Alan Turing"]),
        ({"name": "Ada Byron"}, ["Ada Byron"]),
        (["Ada Byron", {"name": "Alan Turing"}], ["Ada Byron", "Alan Turing"]),
        ("By Ada Byron", ["Ada Byron"]),
    ],
)
def test_author_shapes_give_a_list_of_names(authors: object, expected: list[str]) -> None:
    assert parse_json_record(json.dumps({"body": BODY, "author": authors})).authors == expected


def test_authors_list_field_is_read() -> None:
    record = {"body": BODY, "authors": [{"name": "Ada Byron"}, {"name": "Alan Turing"}]}
    assert parse_json_record(json.dumps(record)).authors == ["Ada Byron", "Alan Turing"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("published", "2024-03-01T10:00:00+02:00", datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=2)))),
        ("date", "2024-03-01", datetime(2024, 3, 1)),
        ("datePublished", "2024-03-01T10:00:00", datetime(2024, 3, 1, 10)),
        ("pubDate", "Fri, 01 Mar 2024 10:00:00 GMT", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("publishedAt", 1709287200, datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("publishedAt", "not a date", None),
    ],
)
def test_date_fields_keep_their_timezone_or_stay_naive(field: str, value: object, expected: datetime | None) -> None:
    # When
    published = parse_json_record(json.dumps({"body": BODY, field: value})).published_at

    # Then the instant and the offset (None when naive) are the source's
    assert published == expected
    if expected is not None:
        assert published is not None and published.utcoffset() == expected.utcoffset()


def test_link_is_read_as_url_and_relative_urls_are_dropped() -> None:
    assert parse_json_record(json.dumps({"body": BODY, "link": "https://example.org/a"})).url == "https://example.org/a"
    assert parse_json_record(json.dumps({"body": BODY, "url": "/relative/path"})).url is None


def test_list_of_records_gives_the_first() -> None:
    records = [{"title": "First", "body": BODY}, {"title": "Second", "body": "Other."}]
    assert parse_json_record(json.dumps(records)).title == "First"


def test_ndjson_gives_the_first_record() -> None:
    text = json.dumps({"title": "First", "body": BODY}) + "\n" + json.dumps({"title": "Second", "body": "x"}) + "\n"
    assert parse_json_record(text).title == "First"


def test_api_envelope_gives_its_first_article() -> None:
    envelope = {"status": "ok", "totalResults": 2, "articles": [{"title": "First", "content": BODY}]}
    assert parse_json_record(json.dumps(envelope)).title == "First"


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "Unclosed',
        "{'single': 'quotes'}",
        '{"title": "No text field", "url": "https://example.org"}',
        '{"title": "Null body", "body": null}',
        '{"body": {"nested": "object"}}',
        "[]",
        "[1, 2, 3]",
        "42",
        '{"articles": []}',
    ],
)
def test_unparseable_json_or_a_record_without_text_is_invalid_json(text: str) -> None:
    assert _reason(text) == "invalid_json"


def test_deeply_nested_json_is_invalid_json_not_a_crash() -> None:
    assert _reason("[" * 100_000 + "]" * 100_000) == "invalid_json"

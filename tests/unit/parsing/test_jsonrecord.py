"""JSON records shaped like news-API items, and the records of multi-record documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsingest.errors import RejectedInput
from newsingest.parsing.jsonrecord import parse_json_record, read_json_records, record_extraction

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


def test_list_of_records_gives_every_record_in_order() -> None:
    # Given a file holding a JSON list of two records
    records = [{"title": "First", "body": BODY}, {"title": "Second", "body": "Other."}]

    # When
    document = read_json_records(json.dumps(records))

    # Then both are records of a multi-record document; parse_json_record gives the first
    assert document.multiple
    assert [record_extraction(record).title for record in document.records] == ["First", "Second"]
    assert parse_json_record(json.dumps(records)).title == "First"


def test_ndjson_gives_one_record_per_line_and_tolerates_blank_lines() -> None:
    # Given newline-delimited JSON with a blank line and Windows line endings
    text = (
        json.dumps({"title": "First", "body": BODY}) + "\r\n\r\n" + json.dumps({"title": "Second", "body": "x"}) + "\n"
    )

    # When
    document = read_json_records(text)

    # Then
    assert document.multiple
    assert [record_extraction(record).title for record in document.records] == ["First", "Second"]


def test_api_envelope_gives_its_articles() -> None:
    envelope = {"status": "ok", "totalResults": 2, "articles": [{"title": "First", "content": BODY}, {"content": BODY}]}
    document = read_json_records(json.dumps(envelope))
    assert document.multiple
    assert len(document.records) == 2


def test_single_object_is_one_record_and_not_a_multi_record_document() -> None:
    document = read_json_records(json.dumps({"title": "Only", "body": BODY}))
    assert not document.multiple
    assert len(document.records) == 1


def test_an_object_with_text_is_an_article_even_if_it_has_a_list_field() -> None:
    # Given an article whose 'items' field is a list (not an envelope, because it has a body)
    record = {"title": "Only", "body": BODY, "items": [{"body": "not an article"}]}

    # When / Then
    assert not read_json_records(json.dumps(record)).multiple


def test_newsapi_record_gives_source_description_and_modified_time_without_the_truncation_marker() -> None:
    # Given a NewsAPI-style record with its truncated content
    record = {
        "source": {"id": "harbour-news", "name": "Harbour News"},
        "author": "Ada Byron",
        "title": "Ferry terminal delayed",
        "description": "The terminal will open two years late.",
        "url": "https://example.org/ferry",
        "publishedAt": "2024-03-01T10:00:00Z",
        "updatedAt": "2024-03-02T08:30:00+01:00",
        "content": BODY + " The council has asked for… [+2381 chars]",
    }

    # When
    extraction = parse_json_record(json.dumps(record))

    # Then
    assert extraction.site_name == "Harbour News"
    assert extraction.description == "The terminal will open two years late."
    assert extraction.modified_at == datetime(2024, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert extraction.text == BODY + " The council has asked for"


@pytest.mark.parametrize("text", ["[]", '{"articles": []}'])
def test_an_empty_list_of_records_is_empty(text: str) -> None:
    assert _reason(text) == "empty"


@pytest.mark.parametrize(
    "text",
    [
        '{"title": "Unclosed',
        "{'single': 'quotes'}",
        '{"title": "No text field", "url": "https://example.org"}',
        '{"title": "Null body", "body": null}',
        '{"body": {"nested": "object"}}',
        "[1, 2, 3]",
        "42",
        '{"a": 1}\n{"b": ',
    ],
)
def test_unparseable_json_or_a_record_without_text_is_invalid_json(text: str) -> None:
    assert _reason(text) == "invalid_json"


def test_deeply_nested_json_is_invalid_json_not_a_crash() -> None:
    assert _reason("[" * 100_000 + "]" * 100_000) == "invalid_json"

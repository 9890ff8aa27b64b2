"""parse_article: bytes in, an Article or a typed rejection out."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsingest.errors import RejectedInput
from newsingest.models import SourceRef, article_id_for, hash_text
from newsingest.parsing import DEFAULT_MAX_OBJECT_BYTES, parse_article, parse_articles
from newsingest.version import __version__

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
SAMPLE = FIXTURES / "belarus-russia-alliance.txt"
SAMPLE_KEY = "incoming/belarus-russia-alliance.txt"

BODY = (
    "The harbour authority confirmed on Monday that the new ferry terminal will open in June, "
    "two years later than planned, after a dispute over the cost of dredging the channel."
)


def _reason(data: bytes, **kwargs: object) -> str:
    with pytest.raises(RejectedInput) as caught:
        parse_article(data, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


def test_sample_article_has_the_headline_as_title_and_english_text_without_boilerplate() -> None:
    # Given the sample plain-text article
    data = SAMPLE.read_bytes()

    # When it is parsed
    article = parse_article(data, key=SAMPLE_KEY)

    # Then the title is the first line and the furniture is gone, the body kept
    assert article.title == "Belarus-Russia: History of alliance explained as Putin ‘will do anything’ to keep power"
    assert article.language == "en"
    assert article.format == "text"
    for furniture in ("We use your sign-up", "JUST IN:", "[LATEST]", "[INSIGHT]", "[ANALYSIS]", "Read Full Article"):
        assert furniture not in article.text
    assert article.text.startswith("Belarus served as a launchpad for Putin last month")
    assert article.text.endswith("spreading democracy, freedom, and prosperity across Europe.”")


def test_sample_article_fields_derive_from_its_text() -> None:
    # Given the sample article
    data = SAMPLE.read_bytes()

    # When it is parsed
    article = parse_article(data, key=SAMPLE_KEY)

    # Then hash, id, word count, version and source follow from the text and the call
    assert article.content_sha256 == hash_text(article.text)
    assert article.id == article_id_for(article.content_sha256)
    assert article.word_count == len(re.findall(r"\w+", article.text))
    assert article.extractor_version == __version__
    assert article.source == SourceRef(key=SAMPLE_KEY)
    assert article.entities == []


def test_the_same_text_uploaded_under_two_keys_gets_the_same_id() -> None:
    # Given the sample uploaded twice under different keys
    data = SAMPLE.read_bytes()

    # When both are parsed
    first = parse_article(data, key="a/one.txt")
    second = parse_article(data, key="b/two.txt")

    # Then the content-derived id is the same
    assert first.id == second.id


def test_an_explicit_source_is_kept_as_given() -> None:
    # Given a full S3 source reference
    source = SourceRef(bucket="uploads", key="in/a.txt", version_id="v1", etag="abc")

    # When an article is parsed with it
    article = parse_article(b"Ferry terminal delayed\n\n" + BODY.encode(), key="in/a.txt", source=source)

    # Then the article carries it unchanged
    assert article.source == source


def test_paragraphs_are_separated_by_blank_lines_and_text_is_nfc() -> None:
    # Given text whose body uses a decomposed accent (e + combining acute)
    data = "Café owners protest\n\nThe cafe\u0301 owners marched on Tuesday.\nThey want lower rents.".encode()

    # When it is parsed
    article = parse_article(data, key="a.txt")

    # Then the text is NFC and paragraphs are blank-line separated
    assert article.text == "The café owners marched on Tuesday.\n\nThey want lower rents."


def test_html_page_is_parsed_with_metadata() -> None:
    # Given a small news page with JSON-LD
    page = f"""<!doctype html><html lang="en"><head><title>Ferry terminal delayed | Harbour News</title>
    <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Ferry terminal delayed",
    "author": {{"@type": "Person", "name": "Ada Byron"}}, "datePublished": "2024-03-01T10:00:00Z"}}</script>
    </head><body><article><h1>Ferry terminal delayed</h1><p>{BODY}</p><p>{BODY}</p></article></body></html>"""

    # When it is parsed without any hint
    article = parse_article(page.encode())

    # Then format, title, author and timezone-aware date come from the page
    assert article.format == "html"
    assert article.title == "Ferry terminal delayed"
    assert article.authors == ["Ada Byron"]
    assert article.published_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert BODY in article.text


def test_json_record_is_parsed() -> None:
    # Given a news-API-like record
    record = {"title": "Ferry terminal delayed", "body": BODY, "lang": "en", "url": "https://example.org/a"}

    # When it is parsed
    article = parse_article(json.dumps(record).encode(), key="feeds/a.json")

    # Then its fields map onto the article
    assert (article.format, article.title, article.text, article.url) == (
        "json",
        "Ferry terminal delayed",
        BODY,
        "https://example.org/a",
    )


def test_gzipped_upload_is_decompressed_and_detected_by_its_inner_extension() -> None:
    # Given a gzipped real page stored as .html.gz
    data = (FIXTURES / "wcxb-0009-book-a-flight.html.gz").read_bytes()

    # When it is parsed
    article = parse_article(data, key="incoming/page.html.gz")

    # Then it is read as HTML, and the source keeps the key as uploaded
    assert article.format == "html"
    assert article.source.key == "incoming/page.html.gz"
    assert "book a flight" in article.text.lower()


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n", "\ufeff  \n".encode("utf-16")])
def test_empty_or_whitespace_only_input_is_rejected_as_empty(data: bytes) -> None:
    assert _reason(data, key="a.txt") == "empty"


def test_input_over_the_size_limit_is_rejected_as_too_large() -> None:
    # Given an object one byte over the limit
    data = b"a" * 101

    # When / Then
    assert _reason(data, key="a.txt", max_bytes=100) == "too_large"


def test_gzip_that_inflates_past_the_limit_is_rejected_as_too_large() -> None:
    # Given a small gzip that inflates to 1 MiB
    data = gzip.compress(b"a " * 512 * 1024)

    # When / Then: the limit applies to the decompressed size
    assert len(data) < 10_000
    assert _reason(data, key="a.txt.gz", max_bytes=100_000) == "too_large"


def test_default_size_limit_is_ten_mebibytes() -> None:
    assert DEFAULT_MAX_OBJECT_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "key", "content_type"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "doc.txt", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "", None),
        (b"PK\x03\x04\x14\x00\x06\x00", "upload", "application/octet-stream"),
        (b"Plain words, but the key says otherwise.", "scan.pdf", None),
        (b"Plain words, but the type says otherwise.", "", "image/jpeg"),
        (bytes(range(256)) * 4, "blob", None),
    ],
)
def test_binary_formats_are_rejected_as_unsupported_type(data: bytes, key: str, content_type: str | None) -> None:
    assert _reason(data, key=key, content_type=content_type) == "unsupported_type"


def test_bytes_that_are_no_text_in_any_encoding_are_rejected_as_decode_error() -> None:
    # Given high bytes with no control characters and no structure of any encoding
    data = bytes(range(0x80, 0x100)) * 8

    # When / Then
    assert _reason(data, key="a.txt") == "decode_error"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b'{"title": "Unclosed', "a.json"),
        (b'{"title": "No body", "url": "https://example.org"}', "a.json"),
        (b'"just a string"', "a.json"),
    ],
)
def test_json_without_a_parseable_record_with_text_is_rejected_as_invalid_json(data: bytes, key: str) -> None:
    assert _reason(data, key=key) == "invalid_json"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>", "a.html"),
        (b"Advertisement\n\nShare this article\n\n\xc2\xa9 2024 Publisher", "a.txt"),
        (b'{"title": "Empty", "body": "<p><img src=\'x.png\'></p>"}', "a.json"),
        (b"[[[[ ]]]] --- *** ...", "a.txt"),
    ],
)
def test_input_without_article_text_is_rejected_as_no_main_text(data: bytes, key: str) -> None:
    assert _reason(data, key=key) == "no_main_text"


def test_utf16_text_with_bom_is_decoded() -> None:
    # Given an article encoded as UTF-16 with a BOM
    data = ("Ferry terminal delayed\n\n" + BODY).encode("utf-16")

    # When it is parsed
    article = parse_article(data, key="a.txt")

    # Then it reads as the same text
    assert (article.title, article.text) == ("Ferry terminal delayed", BODY)


def test_legacy_encoded_xhtml_declaring_its_charset_is_decoded() -> None:
    # Given an XHTML page in ISO-8859-1 that says so in its XML declaration
    page = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Grève</title></head><body><article>'
        "<p>Le café où nous étions était fermé à cause de la grève des éboueurs, a dit le patron.</p>"
        "<p>Les clients sont repartis déçus après une longue attente devant la porte fermée.</p>"
        "</article></body></html>"
    )

    # When it is parsed with no hint
    article = parse_article(page.encode("latin-1"))

    # Then accents survive and the language is French
    assert article.format == "html"
    assert "Le café où nous étions était fermé" in article.text
    assert article.language == "fr"


# --- multi-record JSON ------------------------------------------------------------------------


def _newsapi_record(title: str, body: str) -> dict[str, object]:
    return {
        "source": {"id": None, "name": "Harbour News"},
        "author": "Ada Byron",
        "title": title,
        "description": f"{title}: what happened.",
        "url": f"https://example.org/{title.lower().replace(' ', '-')}",
        "publishedAt": "2024-03-01T10:00:00Z",
        "content": body,
    }


SECOND_BODY = "Operators said the delay had cost them passengers and asked the council for an independent review."


def test_json_list_gives_one_article_per_record_with_its_record_index() -> None:
    # Given a file holding a JSON list of two NewsAPI records
    records = [_newsapi_record("Ferry delayed", BODY), _newsapi_record("Operators complain", SECOND_BODY)]
    source = SourceRef(bucket="news", key="feeds/batch.json", version_id="v1")

    # When
    articles = parse_articles(json.dumps(records).encode(), key="feeds/batch.json", source=source)

    # Then each record is its own article, in order, with its own id and record index
    assert [article.title for article in articles] == ["Ferry delayed", "Operators complain"]
    assert [article.source.record for article in articles] == [0, 1]
    assert all(article.source.model_copy(update={"record": None}) == source for article in articles)
    assert len({article.id for article in articles}) == 2
    assert articles[0].site_name == "Harbour News"
    assert articles[0].description == "Ferry delayed: what happened."


def test_ndjson_gives_one_article_per_line() -> None:
    # Given newline-delimited JSON
    lines = [json.dumps(_newsapi_record("Ferry delayed", BODY)), json.dumps(_newsapi_record("Operators", SECOND_BODY))]
    data = ("\n".join(lines) + "\n").encode()

    # When
    articles = parse_articles(data, key="feeds/batch.ndjson")

    # Then
    assert [(article.title, article.source.record) for article in articles] == [("Ferry delayed", 0), ("Operators", 1)]


def test_newsapi_envelope_gives_its_articles() -> None:
    envelope = {
        "status": "ok",
        "totalResults": 2,
        "articles": [_newsapi_record("A one", BODY), _newsapi_record("B two", SECOND_BODY)],
    }
    articles = parse_articles(json.dumps(envelope).encode(), content_type="application/json")
    assert [article.source.record for article in articles] == [0, 1]


def test_a_record_without_text_is_skipped_when_another_parses() -> None:
    # Given three records, the middle one without any text
    records = [
        _newsapi_record("First", BODY),
        {"title": "No text", "content": None},
        _newsapi_record("Third", SECOND_BODY),
    ]

    # When
    articles = parse_articles(json.dumps(records).encode(), key="a.json")

    # Then the good records keep their own indexes
    assert [(article.title, article.source.record) for article in articles] == [("First", 0), ("Third", 2)]


def test_when_no_record_parses_the_first_records_rejection_is_raised() -> None:
    # Given two records: one without a text field, one whose text is only markup
    records = [{"title": "No text field"}, {"title": "Empty", "body": "<p><img src='x.png'></p>"}]

    # When / Then: the first record's reason
    with pytest.raises(RejectedInput) as caught:
        parse_articles(json.dumps(records).encode(), key="a.json")
    assert caught.value.reason == "invalid_json"


def test_single_objects_have_no_record_index() -> None:
    # Given a JSON object, a text and an HTML page
    inputs = [
        (json.dumps({"title": "T", "body": BODY}).encode(), "a.json"),
        (f"Title\n\n{BODY}".encode(), "a.txt"),
        (f"<html><body><article><p>{BODY}</p></article></body></html>".encode(), "a.html"),
    ]

    # When / Then: one article each, with record None
    for data, key in inputs:
        articles = parse_articles(data, key=key)
        assert [article.source.record for article in articles] == [None]


def test_a_json_list_of_one_record_is_still_a_multi_record_object() -> None:
    articles = parse_articles(json.dumps([_newsapi_record("Only", BODY)]).encode(), key="a.json")
    assert [article.source.record for article in articles] == [0]


def test_parse_article_returns_the_first_record() -> None:
    records = [_newsapi_record("First", BODY), _newsapi_record("Second", SECOND_BODY)]
    article = parse_article(json.dumps(records).encode(), key="a.json")
    assert (article.title, article.source.record) == ("First", 0)


# --- compression and encodings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("incoming/story.txt.gz", None),
        ("incoming/story.gz", "application/gzip"),
        ("incoming/story", "application/x-gzip"),
        ("incoming/story.txt", "text/plain; charset=utf-8"),
    ],
)
def test_gzip_is_recognised_by_its_bytes_whatever_the_key_and_type_say(key: str, content_type: str | None) -> None:
    # Given a gzipped plain-text article
    data = gzip.compress(f"Ferry terminal delayed\n\n{BODY}".encode())

    # When
    article = parse_article(data, key=key, content_type=content_type)

    # Then
    assert (article.format, article.title, article.text) == ("text", "Ferry terminal delayed", BODY)


@pytest.mark.parametrize("content_encoding", ["gzip", "x-gzip", "identity", "aws-chunked", "gzip, aws-chunked", ""])
def test_content_encodings_parsing_can_undo_are_read(content_encoding: str) -> None:
    # Given a gzipped article stored with a Content-Encoding that names gzip, none or S3's upload framing
    data = gzip.compress(f"Ferry terminal delayed\n\n{BODY}".encode())

    # When
    article = parse_article(data, key="story.txt", content_encoding=content_encoding)

    # Then
    assert article.text == BODY


@pytest.mark.parametrize("content_encoding", ["br", "deflate", "zstd", "gzip, br"])
def test_a_content_encoding_parsing_cannot_undo_is_rejected_as_unsupported(content_encoding: str) -> None:
    # Given bytes stored with a compression other than gzip
    data = zlib.compress(BODY.encode())

    # When
    with pytest.raises(RejectedInput) as rejected:
        parse_article(data, key="story.txt", content_encoding=content_encoding)

    # Then the reason names the encoding rather than the noise its bytes would read as
    assert rejected.value.reason == "unsupported_type"
    message = rejected.value.message
    assert "Content-Encoding" in message and content_encoding.split(",")[-1].strip() in message


def test_a_gz_key_whose_bytes_are_already_inflated_is_read_by_its_inner_extension() -> None:
    page = f"<html><body><article><p>{BODY}</p></article></body></html>".encode()
    assert parse_article(page, key="incoming/page.html.gz").format == "html"


def test_meta_charset_contradicting_the_bytes_loses_to_the_bytes() -> None:
    # Given a page declaring windows-1252 whose bytes are UTF-8 (curly quotes, an accent)
    page = (
        '<html><head><meta charset="windows-1252"><title>Café</title></head><body><article>'
        f"<p>“The café will reopen,” the owner said. {BODY}</p></article></body></html>"
    )

    # When
    article = parse_article(page.encode("utf-8"), key="a.html")

    # Then the text is not garbled
    assert "“The café will reopen,” the owner said." in article.text


def test_windows_1252_smart_quotes_in_a_page_declaring_utf8_are_decoded() -> None:
    # Given cp1252 bytes (0x93/0x94 quotes, 0x92 apostrophe) under a UTF-8 declaration
    page = (
        '<html><head><meta charset="utf-8"></head><body><article>'
        f"<p>“It’s not over,” said the harbour master. {BODY}</p></article></body></html>"
    )

    # When
    article = parse_article(page.encode("cp1252"), key="a.html")

    # Then
    assert "“It’s not over,” said the harbour master." in article.text


def _as_windows_1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def test_mojibake_from_text_decoded_twice_is_repaired() -> None:
    # Given UTF-8 text that went through a windows-1252 decode (as browsers do it: bytes cp1252
    # leaves undefined become C1 controls) before being stored as UTF-8
    garbled = "".join(_as_windows_1252(byte) for byte in "“It’s not over,” said the café owner.".encode())
    data = f"Ferry terminal delayed\n\n{garbled} {BODY}".encode()

    # When
    article = parse_article(data, key="a.txt")

    # Then
    assert article.text.startswith("“It’s not over,” said the café owner.")


def test_a_lone_surrogate_from_a_json_escape_is_replaced_not_a_crash() -> None:
    # Given a record whose text carries half a surrogate pair ('\ud800' escaped in JSON)
    data = b'{"title": "Ferry \\ud800", "body": "The ferry \\ud800 will sail in June, the harbour master said."}'

    # When
    article = parse_article(data, key="a.json")

    # Then the text is valid Unicode and hashable
    assert article.text == "The ferry \ufffd will sail in June, the harbour master said."
    assert article.title == "Ferry \ufffd"

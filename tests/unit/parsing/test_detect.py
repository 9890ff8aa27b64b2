"""Format detection: extension, then Content-Type, then the text; binary formats are refused."""

from __future__ import annotations

import pytest

from newsingest.errors import RejectedInput
from newsingest.parsing.detect import (
    InputFormat,
    content_type_charset,
    detect_format,
    reject_unsupported,
    sniff_format,
    strip_compression_suffix,
)

HTML = "<!DOCTYPE html><html><body><p>Hello</p></body></html>"
JSON = '{"title": "Hello", "body": "World"}'
TEXT = "Hello\n\nWorld, this is plain text."


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("in/a.txt", InputFormat.TEXT),
        ("in/a.HTML", InputFormat.HTML),
        ("in/a.htm", InputFormat.HTML),
        ("in/a.json", InputFormat.JSON),
        ("in/a.ndjson", InputFormat.JSON),
        ("in/a.jsonl", InputFormat.JSON),
    ],
)
def test_extension_decides_the_format(key: str, expected: InputFormat) -> None:
    # Given content that looks like another format, under a key with a known extension
    text = HTML if expected is InputFormat.TEXT else TEXT

    # When / Then: the extension wins over what the text looks like
    assert detect_format(text, key=key) is expected


def test_extension_wins_over_content_type() -> None:
    assert detect_format(TEXT, key="a.txt", content_type="text/html") is InputFormat.TEXT


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/html; charset=utf-8", InputFormat.HTML),
        ("application/xhtml+xml", InputFormat.HTML),
        ("application/json", InputFormat.JSON),
        ("application/vnd.newsapi+json", InputFormat.JSON),
        ("application/x-ndjson", InputFormat.JSON),
        ("text/plain", InputFormat.TEXT),
    ],
)
def test_content_type_decides_when_the_key_has_no_known_extension(content_type: str, expected: InputFormat) -> None:
    # Given content that looks like something else, under a key without extension
    text = HTML if expected is not InputFormat.HTML else TEXT

    # When / Then
    assert detect_format(text, key="incoming/article", content_type=content_type) is expected


def test_generic_content_type_falls_back_to_sniffing() -> None:
    assert detect_format(HTML, key="", content_type="binary/octet-stream") is InputFormat.HTML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HTML, InputFormat.HTML),
        ("  \n<html lang='en'><head></head><body>x</body></html>", InputFormat.HTML),
        ("<!-- saved page -->\n<HTML><BODY>x</BODY></HTML>", InputFormat.HTML),
        (JSON, InputFormat.JSON),
        ('[{"title": "a", "body": "b"}]', InputFormat.JSON),
        ('{"title": "a"}\n{"title": "b"}\n', InputFormat.JSON),
        (TEXT, InputFormat.TEXT),
        ("[UPDATED] Council meeting moved to Friday\n\nThe meeting...", InputFormat.TEXT),
        ("<3 from the newsroom: our best stories", InputFormat.TEXT),
        ("<p>A bare fragment of an article.</p>", InputFormat.HTML),
        ('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', InputFormat.HTML),
    ],
)
def test_sniffing_recognises_html_json_and_falls_back_to_text(text: str, expected: InputFormat) -> None:
    assert sniff_format(text) is expected


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n",
        b"\x89PNG\r\n\x1a\n....",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a\x01\x00",
        b"PK\x03\x04\x14\x00",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00\x00\x00\x20ftypisom",
        b"\x1f\x8b\x08\x00",
    ],
)
def test_binary_magic_bytes_are_unsupported_whatever_the_key(data: bytes) -> None:
    with pytest.raises(RejectedInput) as caught:
        reject_unsupported(data, key="article.txt")
    assert caught.value.reason == "unsupported_type"


@pytest.mark.parametrize(
    ("key", "content_type"),
    [("a/scan.PDF", None), ("a/photo.jpeg", None), ("x", "application/pdf"), ("x", "video/mp4"), ("x", "font/woff2")],
)
def test_binary_extensions_and_media_types_are_unsupported(key: str, content_type: str | None) -> None:
    with pytest.raises(RejectedInput) as caught:
        reject_unsupported(b"harmless looking bytes", key=key, content_type=content_type)
    assert caught.value.reason == "unsupported_type"


def test_unknown_binary_with_control_bytes_is_unsupported() -> None:
    # Given bytes full of control characters that match no known signature
    data = bytes([0x01, 0x02, 0x03, 0x00, 0x10, 0x41]) * 200

    # When / Then
    with pytest.raises(RejectedInput) as caught:
        reject_unsupported(data)
    assert caught.value.reason == "unsupported_type"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_bomless_utf16_and_utf32_text_is_not_mistaken_for_binary(encoding: str) -> None:
    # Given text in a wide encoding, full of zero bytes but no BOM
    data = "Ferry terminal delayed by two years.\n".encode(encoding) * 10

    # When / Then: no rejection
    reject_unsupported(data, key="a.txt")


def test_text_with_a_stray_control_character_is_not_binary() -> None:
    reject_unsupported(b"Hello\x07 world, a bell in an otherwise normal text. " * 20)


def test_charset_is_read_from_the_content_type() -> None:
    assert content_type_charset('text/html; Charset="ISO-8859-1"') == "ISO-8859-1"
    assert content_type_charset("text/html") is None
    assert content_type_charset(None) is None


def test_compression_suffix_is_stripped_from_keys() -> None:
    assert strip_compression_suffix("in/a.html.gz") == "in/a.html"
    assert strip_compression_suffix("in/a.json.GZIP") == "in/a.json"
    assert strip_compression_suffix("in/a.html") == "in/a.html"


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title></entry></feed>',
        '<svg xmlns="http://www.w3.org/2000/svg"><title>Chart</title></svg>',
    ],
)
def test_xml_other_than_xhtml_is_unsupported_when_only_the_content_speaks(text: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        detect_format(text, key="incoming/object")
    assert caught.value.reason == "unsupported_type"

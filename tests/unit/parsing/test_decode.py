"""Decoding: BOMs, UTF-8, declared charsets, detection, bounded gunzip and mojibake repair."""

from __future__ import annotations

import gzip

import pytest

from newsingest.errors import RejectedInput
from newsingest.parsing.decode import (
    declared_charset,
    decode_text,
    gunzip_limited,
    repair_mojibake,
    sniff_wide_encoding,
)

WESTERN = "Café owners in Zürich say the “new rules” cost them 1,000 francs — and more. Ça suffit!"
RUSSIAN = "Правительство объявило о новых мерах поддержки малого бизнеса в регионах страны."


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_text_with_a_byte_order_mark_is_decoded_by_it(encoding: str) -> None:
    # Given text encoded with a BOM (utf-16-be gets one prepended by hand)
    data = WESTERN.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data

    # When / Then: the BOM itself is not part of the text
    assert decode_text(data) == WESTERN


def test_utf8_wins_over_a_wrong_declared_charset() -> None:
    # Given UTF-8 bytes declared as ISO-8859-1
    data = f'<meta charset="iso-8859-1"><p>{WESTERN}</p>'.encode()

    # When / Then: valid UTF-8 is trusted over the stale declaration
    assert WESTERN in decode_text(data, charset="iso-8859-1")


def test_content_type_charset_decodes_legacy_bytes() -> None:
    # Given Russian text in windows-1251, declared by the Content-Type
    data = RUSSIAN.encode("cp1251")

    # When / Then
    assert decode_text(data, charset="windows-1251") == RUSSIAN


def test_meta_charset_in_the_document_decodes_legacy_bytes() -> None:
    # Given an HTML page in KOI8-R that says so in a meta tag
    head = '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    data = f"<html><head>{head}</head><body>{RUSSIAN}</body></html>".encode("koi8-r")

    # When / Then
    assert RUSSIAN in decode_text(data)


def test_latin1_label_is_read_as_windows_1252_like_browsers_do() -> None:
    # Given curly quotes (cp1252 bytes 0x93/0x94) in a page labelled ISO-8859-1
    data = "He said “yes”.".encode("cp1252")

    # When / Then: the quotes come out as quotes, not C1 control characters
    assert decode_text(data, charset="ISO-8859-1") == "He said “yes”."


def test_undeclared_western_legacy_text_is_detected_as_windows_1252() -> None:
    # Given undeclared cp1252 text that charset-normalizer alone reads as cp1257 ('à' -> 'ą')
    text = "Grüße aus Köln, schöne Straße. Ça va très bien à Paris, déjà vu."

    # When / Then
    assert decode_text(text.encode("cp1252")) == text


def test_undeclared_cyrillic_legacy_text_is_detected() -> None:
    assert decode_text((RUSSIAN * 3).encode("cp1251")) == RUSSIAN * 3


def test_unknown_or_non_text_declared_charsets_are_ignored() -> None:
    # Given a label Python maps to a bytes-to-bytes codec and one it does not know
    data = WESTERN.encode("cp1252")

    # When / Then: both are ignored and detection decides
    assert decode_text(data, charset="base64") == WESTERN
    assert decode_text(data, charset="x-no-such-charset") == WESTERN


def test_bytes_that_no_encoding_reads_as_text_are_a_decode_error() -> None:
    with pytest.raises(RejectedInput) as caught:
        decode_text(bytes(range(0x80, 0x100)) * 8)
    assert caught.value.reason == "decode_error"


def test_bytes_contradicting_their_bom_are_a_decode_error() -> None:
    # Given a UTF-8 BOM followed by bytes that are not UTF-8
    with pytest.raises(RejectedInput) as caught:
        decode_text(b"\xef\xbb\xbfabc\xff\xfe\xfd")
    assert caught.value.reason == "decode_error"


@pytest.mark.parametrize(("encoding", "expected"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_bomless_utf16_is_recognised_and_decoded(encoding: str, expected: str) -> None:
    # Given UTF-16 text without a BOM
    data = WESTERN.encode(encoding)

    # When / Then
    assert sniff_wide_encoding(data) == expected
    assert decode_text(data) == WESTERN


def test_eight_bit_text_is_not_mistaken_for_utf16() -> None:
    assert sniff_wide_encoding(WESTERN.encode("cp1252")) is None


def test_declared_charset_is_found_in_meta_and_xml_declarations() -> None:
    assert declared_charset(b"<html><head><meta charset='Shift_JIS'>") == "Shift_JIS"
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-2"?><html>') == "ISO-8859-2"
    assert declared_charset(b"<html><head><title>none</title>") is None


def test_gunzip_returns_the_original_bytes_of_all_members() -> None:
    # Given two concatenated gzip members (as `cat a.gz b.gz` produces)
    data = gzip.compress(b"first part, ") + gzip.compress(b"second part")

    # When / Then
    assert gunzip_limited(data, 1000) == b"first part, second part"


def test_gunzip_stops_at_the_limit_instead_of_inflating_a_bomb() -> None:
    # Given 50 MiB of zeros compressed to about 50 KiB
    bomb = gzip.compress(bytes(50 * 1024 * 1024))

    # When / Then: rejected as too large after inflating at most limit + 1 bytes
    with pytest.raises(RejectedInput) as caught:
        gunzip_limited(bomb, 1024 * 1024)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    "data",
    [gzip.compress(b"hello world" * 100)[:-30], b"\x1f\x8b\x08\x00garbage-not-deflate"],
    ids=["truncated", "corrupt"],
)
def test_truncated_or_corrupt_gzip_is_a_decode_error(data: bytes) -> None:
    with pytest.raises(RejectedInput) as caught:
        gunzip_limited(data, 10_000)
    assert caught.value.reason == "decode_error"


def test_gunzip_accepts_output_exactly_at_the_limit() -> None:
    assert gunzip_limited(gzip.compress(b"x" * 100), 100) == b"x" * 100


@pytest.mark.parametrize(
    ("garbled", "expected"),
    [
        ("Investorâ€™s guide", "Investor’s guide"),  # windows-1252 view of '’'
        ("Investorâ\x80\x99s guide", "Investor’s guide"),  # ISO-8859-1 view of the same bytes
        ("â€œQuotedâ€\x9d", "“Quoted”"),  # 0x9D is undefined in windows-1252
        ("cafÃ© crÃ¨me", "café crème"),
        ("Â© 2024", "© 2024"),
        ("StraÃŸe", "Straße"),
        ("emoji ðŸš¢ ferry", "emoji 🚢 ferry"),
    ],
)
def test_utf8_read_as_windows_1252_is_repaired(garbled: str, expected: str) -> None:
    assert repair_mojibake(garbled) == expected


@pytest.mark.parametrize(
    "text",
    [
        "naïve café — déjà vu",
        "São Paulo, Ærø, Øresund",
        "Größe × 2 ± 3 °C",
        "Ã  la carte",  # an 'à' whose no-break space was lost cannot be told from real text
        "ASCII only",
    ],
)
def test_correct_text_is_left_alone(text: str) -> None:
    assert repair_mojibake(text) == text

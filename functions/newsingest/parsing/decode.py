"""Bytes to text, trusting a BOM, then valid UTF-8 (another encoding's multi-byte sequences rarely
form it), then the declared charset (often a stale copy of a template), then detection; and the
undoing of gzip and of mojibake (docs/notes/parsing-and-entities.md)."""

from __future__ import annotations

import codecs
import re
import zlib
from typing import NoReturn

import charset_normalizer

from newsingest.errors import RejectedInput, RejectReason

BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

WIDE_SNIFF_BYTES = 4096
"""A few thousand characters: enough to see the zero bytes of BOM-less UTF-16/32."""

MIN_WIDE_ZERO_SHARE = 0.4
"""ASCII-heavy text in UTF-16/32 has 80-100% ASCII code units, 8-bit text none: 40% still takes half non-Latin text."""

DECLARATION_SCAN_BYTES = 4096
"""WHATWG prescans 1024 bytes, but pages put large scripts before the meta tag; 4 KiB finds those
and stays clear of charsets quoted in the article."""

_ASCII_TEXT_BYTES = frozenset(b"\t\n\r" + bytes(range(0x20, 0x7F)))

_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})"""
    rb"""|<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE,
)

WHATWG_CHARSET_ALIASES = {
    # Browsers decode these labels as windows-1252, and so do authors who wrote them (curly quotes
    # in 'ISO-8859-1' pages are cp1252 bytes): following the WHATWG Encoding Standard.
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
}

PYTHON_ONLY_CODECS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "charmap"})
"""No document charset, and harmful to follow: 'undefined' raises for any bytes, escape codecs read backslashes."""

DETECTION_SAMPLE_BYTES = 256 * 1024
"""Enough for detection's statistics; a 10 MiB object decodes no slower than a page."""

CP1252_PREFERENCE_MARGIN = 0.1
"""windows-1252, the commonest legacy encoding of web news, wins within this much 'chaos' of the best guess:
on short French and German samples the real cp1252 scored 0.07-0.08 behind cp1257."""


def sniff_wide_encoding(data: bytes) -> str | None:
    """The UTF-16/32 codec of text, from its BOM or the zero bytes of its ASCII characters
    (printable: binary formats have zero bytes too, but next to small numbers)."""
    head = data[:WIDE_SNIFF_BYTES]
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec if codec != "utf-8-sig" else None
    if b"\x00" not in head:
        return None  # 8-bit text: no zero bytes at all (the common case, decided in C)
    for width, codec_le, codec_be in ((4, "utf-32-le", "utf-32-be"), (2, "utf-16-le", "utf-16-be")):
        units = [head[i : i + width] for i in range(0, len(head) - width + 1, width)]
        if len(units) < 2:
            continue
        zeros = b"\x00" * (width - 1)
        little = sum(unit[1:] == zeros and unit[0] in _ASCII_TEXT_BYTES for unit in units)
        big = sum(unit[:-1] == zeros and unit[-1] in _ASCII_TEXT_BYTES for unit in units)
        if little >= MIN_WIDE_ZERO_SHARE * len(units):
            return codec_le
        if big >= MIN_WIDE_ZERO_SHARE * len(units):
            return codec_be
    return None


def declared_charset(data: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(data[:DECLARATION_SCAN_BYTES])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


def decode_text(data: bytes, *, charset: str | None = None) -> str:
    """The object as text (`charset`: its Content-Type's); `decode_error` when nothing reads it."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            decoded = _decode_strict(data, codec)
            return decoded if decoded is not None else _undecodable(f"bytes do not match their {codec} BOM")
    wide = sniff_wide_encoding(data)
    candidates = [wide] if wide is not None else []
    candidates.append("utf-8")
    candidates += [codec for codec in (_text_codec(charset), _text_codec(declared_charset(data))) if codec]
    for codec in candidates:
        decoded = _decode_strict(data, codec)
        if decoded is not None:
            return decoded
    detected = _detect_codec(data)
    if detected is None:
        return _undecodable("no text encoding reads these bytes as text")
    decoded = _decode_strict(data, detected)
    return decoded if decoded is not None else data.decode(detected, errors="replace")


def _decode_strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _text_codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = WHATWG_CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a label with a NUL or a lone surrogate
        return None
    # base64, zlib, rot13 and friends are codecs too, but not text encodings
    if not getattr(info, "_is_text_encoding", True) or info.name in PYTHON_ONLY_CODECS:
        return None
    return info.name


def _detect_codec(data: bytes) -> str | None:
    matches = charset_normalizer.from_bytes(data[:DETECTION_SAMPLE_BYTES])
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + CP1252_PREFERENCE_MARGIN:
            return "cp1252"
    return best.encoding


def _undecodable(message: str) -> NoReturn:
    raise RejectedInput(RejectReason.DECODE_ERROR, message)


def _continuation_characters() -> dict[str, int]:
    """Each UTF-8 continuation byte as windows-1252 or ISO-8859-1 shows it -> the byte."""
    characters: dict[str, int] = {}
    for byte in range(0x80, 0xC0):
        characters[bytes([byte]).decode("latin-1")] = byte
        try:
            characters[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            continue  # five bytes cp1252 leaves undefined; they survive only as latin-1 controls
    return characters


_CONTINUATIONS = _continuation_characters()
_CONTINUATION = "[" + re.escape("".join(sorted(_CONTINUATIONS))) + "]"
MOJIBAKE = re.compile(f"[\\u00c2-\\u00f4]{_CONTINUATION}{{1,3}}")
"""UTF-8 read as windows-1252 or ISO-8859-1 ('â€™' for '’'): characters that rarely meet in real
text. One class then a run, not an alternative per length, scans a 300 KB page in under 1 ms."""


def _sequence_length(lead: str) -> int:
    return 2 if lead <= "\u00df" else 3 if lead <= "\u00ef" else 4


def repair_mojibake(text: str) -> str:
    """'Investorâ€™s' -> 'Investor’s', where the bytes are valid UTF-8. Only garbled sequences are
    touched: a page right but for a few strings pasted from elsewhere keeps its correct text."""
    if MOJIBAKE.search(text) is None:
        return text
    return MOJIBAKE.sub(_redecode, text)


def _redecode(match: re.Match[str]) -> str:
    run = match.group(0)
    length = _sequence_length(run[0])
    if len(run) < length:
        return run
    garbled, rest = run[:length], run[length:]
    try:
        repaired = (garbled[0].encode("latin-1") + bytes(_CONTINUATIONS[char] for char in garbled[1:])).decode("utf-8")
    except UnicodeDecodeError:
        return run
    return repaired + rest


GZIP_INPUT_SLICE_BYTES = 16 * 1024
"""Each member's end copies the rest of its slice: 10 MB of one-byte members took 0.6 s (1 KiB
0.5 s, 64 KiB 1.1 s); smaller slices take more calls for a large member."""

_ZERO_PADDING = re.compile(rb"\x00*")


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """All members of a gzip stream, inflated no further than `limit` (`too_large`: a 'zip bomb' stops
    there); `decode_error` when corrupt. In slices: zlib's `unused_data` made tiny members quadratic."""
    output = bytearray()
    view = memoryview(data)
    position = 0
    while position < len(data):
        inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        while not inflater.eof:
            if position >= len(data):
                raise RejectedInput(RejectReason.DECODE_ERROR, "truncated gzip stream")
            piece = view[position : position + GZIP_INPUT_SLICE_BYTES]
            try:
                output += inflater.decompress(piece, limit - len(output) + 1)
            except zlib.error as exc:
                raise RejectedInput(RejectReason.DECODE_ERROR, f"corrupt gzip stream: {exc}") from exc
            if len(output) > limit:
                raise RejectedInput(RejectReason.TOO_LARGE, f"decompressed object exceeds {limit} bytes")
            # what zlib has not used follows the member's end (or is held back when output is full)
            position += len(piece) - len(inflater.unused_data) - len(inflater.unconsumed_tail)
        # concatenated gzip members are one stream (RFC 1952); trailing zero padding is not
        position = _after_zero_padding(data, position)
    return bytes(output)


def _after_zero_padding(data: bytes, position: int) -> int:
    padding = _ZERO_PADDING.match(data, position)
    return padding.end() if padding is not None else position

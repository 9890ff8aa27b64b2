"""Which supported format (plain text, HTML, JSON) an uploaded object is, or why it is none. Magic
bytes are trusted first (no extension turns a PDF into text), then the uploader's extension, then
the Content-Type (often a default such as `binary/octet-stream`), last the text itself."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import PurePosixPath

from newsingest.errors import RejectedInput, RejectReason
from newsingest.parsing.decode import sniff_wide_encoding


class InputFormat(StrEnum):
    """The formats `parse_article` understands; the value is `Article.format`."""

    TEXT = "text"
    HTML = "html"
    JSON = "json"


EXTENSION_FORMATS: dict[str, InputFormat] = {
    ".txt": InputFormat.TEXT,
    ".text": InputFormat.TEXT,
    ".html": InputFormat.HTML,
    ".htm": InputFormat.HTML,
    ".xhtml": InputFormat.HTML,
    ".shtml": InputFormat.HTML,
    ".json": InputFormat.JSON,
    ".ndjson": InputFormat.JSON,
    ".jsonl": InputFormat.JSON,
}

UNSUPPORTED_EXTENSIONS = frozenset(
    {
        ".pdf", ".doc", ".docx", ".odt", ".rtf", ".epub", ".xls", ".xlsx", ".ppt", ".pptx",
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ico", ".heic", ".avif", ".svg",
        ".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".flac", ".avi", ".mov", ".mkv", ".webm",
        # not .gz: gzip is decompressed instead
        ".zip", ".tar", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst",
        ".woff", ".woff2", ".ttf", ".otf", ".exe", ".dll", ".so", ".bin", ".class", ".jar", ".wasm",
    }
)  # fmt: skip

CONTENT_TYPE_FORMATS: dict[str, InputFormat] = {
    "text/plain": InputFormat.TEXT,
    "text/html": InputFormat.HTML,
    "application/xhtml+xml": InputFormat.HTML,
    "application/json": InputFormat.JSON,
    "text/json": InputFormat.JSON,
    "application/x-ndjson": InputFormat.JSON,
    "application/ndjson": InputFormat.JSON,
    "application/jsonl": InputFormat.JSON,
    "application/x-jsonlines": InputFormat.JSON,
}

UNSUPPORTED_MEDIA_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
UNSUPPORTED_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-bzip2",
        "application/x-xz",
        "application/msword",
        "application/rtf",
        "application/epub+zip",
        "application/wasm",
    }
)
UNSUPPORTED_MEDIA_TYPE_PREFIXES = ("application/vnd.openxmlformats", "application/vnd.ms-", "application/vnd.oasis")

MAGIC_NUMBERS: tuple[tuple[int, bytes, str], ...] = (
    # (offset, bytes, name): signatures of the binary formats most likely to be uploaded by mistake
    (0, b"%PDF-", "PDF"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"RIFF", "RIFF (WebP/WAV/AVI)"),
    (0, b"PK\x03\x04", "ZIP (or DOCX/XLSX/EPUB)"),
    (0, b"PK\x05\x06", "ZIP"),
    (0, b"\x1f\x8b", "gzip inside gzip"),
    (0, b"BZh", "bzip2"),
    (0, b"\xfd7zXZ\x00", "xz"),
    (0, b"(\xb5/\xfd", "zstd"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (0, b"Rar!\x1a\x07", "RAR"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (DOC/XLS)"),
    (0, b"{\\rtf", "RTF"),
    (0, b"\x7fELF", "ELF executable"),
    (0, b"ID3", "MP3"),
    (0, b"OggS", "Ogg"),
    (0, b"fLaC", "FLAC"),
    (0, b"wOFF", "WOFF font"),
    (0, b"wOF2", "WOFF2 font"),
    (0, b"\x00asm", "WebAssembly"),
    (4, b"ftyp", "MP4/MOV/HEIC"),
)

BINARY_SNIFF_BYTES = 8192
"""Binary formats show control bytes in their first few hundred bytes: 8 KiB decides without reading 10 MiB."""

MAX_CONTROL_BYTE_SHARE = 0.05
"""Text has no C0 controls but whitespace and escape, random binary ~10% (27 of 256 values): 5% leaves a margin."""

_TEXT_CONTROL_BYTES = frozenset(b"\t\n\r\f\x0b\x1b")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in _TEXT_CONTROL_BYTES)

HTML_SNIFF_CHARS = 1024
"""WHATWG sniffing's window: the doctype or `<html>` follows at most an XML declaration and a comment or two."""

_HTML_START = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|link|script|style|article|main|section|div|p|h[1-6]"
    r"|table|ul|ol|span|a|img|br)\b",
    re.IGNORECASE,
)
"""Tags that open a page or an HTML fragment ('<p>...</p>' uploaded on its own is HTML too)."""

_XML_DOCUMENT = re.compile(r"<\?xml\b|<(?:rss|feed|svg|urlset|sitemapindex|rdf:RDF)\b", re.IGNORECASE)
"""XML that is not XHTML (feeds, sitemaps, SVG): markup, but no article page."""
_XHTML_ROOT = re.compile(r"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_JSON_START = re.compile(r"(?:\{\s*[\"}]|\[\s*[\[{\"\]])")
"""Two tokens, so that plain text starting with a bracket ('[UPDATED] ...') stays text."""

GZIP_MAGIC = b"\x1f\x8b"
COMPRESSION_SUFFIXES = (".gz", ".gzip")
COMPRESSION_MEDIA_TYPES = frozenset({"application/gzip", "application/x-gzip"})


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def content_type_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'")
    return None


def key_extension(key: str) -> str:
    return PurePosixPath(key).suffix.lower() if key else ""


UNDONE_CONTENT_ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "aws-chunked"})
"""gzip is recognised by its bytes and undone; `aws-chunked` is upload framing that S3 strips but
some S3-compatible stores keep in the header."""


def reject_unsupported_encoding(content_encoding: str | None) -> None:
    """Refuse other Content-Encodings: their bytes read as text would be noise."""
    codings = [coding.strip().lower() for coding in (content_encoding or "").split(",")]
    unsupported = [coding for coding in codings if coding not in UNDONE_CONTENT_ENCODINGS]
    if unsupported:
        raise RejectedInput(
            RejectReason.UNSUPPORTED_TYPE,
            f"Content-Encoding {', '.join(unsupported)} is not supported: upload the object uncompressed or gzipped",
        )


def is_gzip(data: bytes) -> bool:
    """Whether the object is a gzip stream (S3 uploads are sometimes stored compressed)."""
    return data.startswith(GZIP_MAGIC)


def strip_compression_suffix(key: str) -> str:
    lowered = key.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lowered.endswith(suffix):
            return key[: -len(suffix)]
    return key


def reject_unsupported(data: bytes, *, key: str = "", content_type: str | None = None) -> None:
    """Raise `unsupported_type` for binary formats (magic bytes, extension, media type, or control
    bytes no text has; UTF-16/32 text is let through)."""
    for offset, magic, name in MAGIC_NUMBERS:
        if data[offset : offset + len(magic)] == magic:
            raise RejectedInput(RejectReason.UNSUPPORTED_TYPE, f"{name} data is not a supported article format")
    extension = key_extension(key)
    if extension in UNSUPPORTED_EXTENSIONS:
        raise RejectedInput(RejectReason.UNSUPPORTED_TYPE, f"{extension} files are not a supported format")
    mime = media_type(content_type)
    if (
        mime in UNSUPPORTED_MEDIA_TYPES
        or mime.startswith(UNSUPPORTED_MEDIA_PREFIXES)
        or mime.startswith(UNSUPPORTED_MEDIA_TYPE_PREFIXES)
    ):
        raise RejectedInput(RejectReason.UNSUPPORTED_TYPE, f"content type {mime} is not a supported format")
    head = data[:BINARY_SNIFF_BYTES]
    if sniff_wide_encoding(head) is None and _control_byte_share(head) > MAX_CONTROL_BYTE_SHARE:
        raise RejectedInput(RejectReason.UNSUPPORTED_TYPE, "binary data of unknown type")


def _control_byte_share(head: bytes) -> float:
    if not head:
        return 0.0
    return (len(head) - len(head.translate(None, _CONTROL_BYTES))) / len(head)


def detect_format(text: str, *, key: str = "", content_type: str | None = None) -> InputFormat:
    """The format of a decoded object by extension, else media type, else `sniff_format`."""
    by_extension = EXTENSION_FORMATS.get(key_extension(key))
    if by_extension is not None:
        return by_extension
    mime = media_type(content_type)
    by_media_type = CONTENT_TYPE_FORMATS.get(mime)
    if by_media_type is None and mime.endswith("+json"):
        by_media_type = InputFormat.JSON
    if by_media_type is not None:
        return by_media_type
    return sniff_format(text)


def sniff_format(text: str) -> InputFormat:
    """HTML markup, a JSON object or list, else plain text; `unsupported_type` for XML but XHTML."""
    start = text.lstrip("\ufeff \t\r\n")
    if _JSON_START.match(start):
        return InputFormat.JSON
    if not start.startswith("<"):
        return InputFormat.TEXT
    window = start[:HTML_SNIFF_CHARS]
    xml = _XML_DOCUMENT.match(start)
    if xml is not None and (xml.group(0).lower() != "<?xml" or _XHTML_ROOT.search(window) is None):
        raise RejectedInput(RejectReason.UNSUPPORTED_TYPE, "XML documents other than XHTML are not articles")
    return InputFormat.HTML if _HTML_START.search(window) is not None else InputFormat.TEXT

"""Normalisation of the metadata fields every format yields (title, authors, dates, URL, language).

HTML pages and JSON records spell the same facts in many shapes; normalising them in one place
keeps the `Article` the same whatever format an article arrived in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import urlsplit

from newsingest.textpatterns import DAY, MONTH_NAME, PUBLICATION_YEAR, month_number

_WHITESPACE = re.compile(r"\s+")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 surrogate pair: JSON escapes ('\\ud800') produce them, UTF-8 cannot encode them."""

_AUTHOR_SEPARATORS = re.compile(r"\s*(?:[,;|/&]|\band\b)\s*", re.IGNORECASE)
"""Bylines join several names with commas, semicolons, '&' or 'and'."""

_BYLINE_PREFIX = re.compile(
    r"^(?:(?:text|article|articles|story|words|post|written|posted|published|authored|reported)\s+)?by\b\s*:?\s*"
    r"|^authors?\s*:\s*|^(?:von|par|por|di|door)\s+",
    re.IGNORECASE,
)
"""Bylines copied from pages often keep their label: 'By', 'Written by', 'Text by:', 'Author:' (or
the equivalent of 'by' in other languages)."""

ROLE_NOUNS = frozenset(
    {"writer", "reporter", "editor", "correspondent", "journalist", "columnist", "contributor", "producer",
     "photographer", "critic", "blogger", "analyst"}
)  # fmt: skip
"""Job titles that bylines run into the name ('Linda Rosencrance Contributing Writer')."""

ROLE_MODIFIERS = frozenset(
    {"senior", "sr", "staff", "contributing", "freelance", "tech", "technology", "news", "deputy", "associate",
     "managing", "chief", "guest", "lead", "features", "sports", "political", "science", "health", "business",
     "digital", "content", "executive", "assistant", "special", "editorial", "investigative", "national",
     "foreign", "opinion", "travel", "food", "culture"}
)  # fmt: skip
"""Words that qualify a job title ('Senior Tech Reporter'); stripped only together with a role noun."""

MAX_AUTHOR_WORDS = 6
"""A name longer than this is a sentence or a job title, not a byline: the longest personal names
in news bylines (e.g. 'Juan Carlos de la Fuente Garcia') have six words."""

MAX_TITLE_WORDS = 30
"""A 'title' longer than this is a paragraph (a CMS filling the headline with the first lines of
the text, or a text file without a title line): news headlines run 6-20 words and the longest
of the 711 titles in the evaluation set has 24."""

CREDENTIALS = frozenset(
    {
        "phd", "ph.d", "md", "ms", "msc", "ma", "ba", "bsc", "rd", "rn", "ld", "ldn", "do", "mph", "mba",
        "jd", "cpa", "cfa", "cfp", "fand", "facp", "frcp", "cscs", "cpt", "jr", "sr", "ii", "iii", "esq",
        "dds", "dvm", "pharmd", "obe", "mbe", "cbe", "kc", "qc",
    }
)  # fmt: skip
"""Degrees, post-nominals and generational suffixes that bylines append after a comma ('Jane
Doe, PhD, RD'): splitting on commas must not turn them into authors of their own."""

UNIX_MILLISECONDS_FROM = 10**11
"""Numeric timestamps at or above this are milliseconds: 1e11 seconds is the year 5138, while 1e11
milliseconds is 1973, so every plausible publication time falls on one side only."""

_SPACED_OFFSET = re.compile(r"(?<!\s)\s+([+-]\d\d:?\d\d)$")
"""A UTC offset after a space ('2024-05-09 00:00:00 +0000'), which ISO 8601 parsers refuse. Tried
only where a run of whitespace starts: from every space of a long run it took quadratic time."""

_LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2})(?:[-_][a-zA-Z0-9]+)*$")
"""BCP 47 tags ('en', 'en-GB') and POSIX locales ('en_GB'): the primary subtag is ISO 639-1."""


_MONTH_NAME = rf"(?P<month_name>{MONTH_NAME})"
_MONTH = _MONTH_NAME + r"\.?"
DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+{DAY},?\s+{PUBLICATION_YEAR}\b", re.IGNORECASE),  # December 15, 2025 / Dec. 15 2025
    re.compile(rf"\b{DAY}\s+(?:of\s+)?{_MONTH},?\s+{PUBLICATION_YEAR}\b", re.IGNORECASE),  # 15 December 2025
    re.compile(rf"\b{PUBLICATION_YEAR}-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),  # 2025-12-15
    re.compile(rf"\b(?P<month>[0-3]?\d)/(?P<day>[0-3]?\d)/{PUBLICATION_YEAR}\b"),  # 12/15/2025 (month first, US)
    re.compile(rf"\b(?P<day>[0-3]?\d)\.(?P<month>[0-3]?\d)\.{PUBLICATION_YEAR}\b"),  # 15.12.2025 (day first)
)
"""Date formats of English-language bylines. A slashed date is read month first (the American
order of most English-language sites), a dotted one day first (the European order), each unless
only the other order is a valid date."""


URL_DATE = re.compile(
    rf"/{PUBLICATION_YEAR}/(?:(?P<month>0?[1-9]|1[0-2])|{_MONTH_NAME})/(?P<day>0?[1-9]|[12]\d|3[01])(?:/|$)",
    re.IGNORECASE,
)
"""A date spelled as path segments of a URL: '/2025/12/18/slug', '/2023/october/03/slug'."""


@dataclass(frozen=True)
class Extraction:
    """What a format extractor found, before the format-independent fields are added."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    url: str | None = None
    site_name: str | None = None
    description: str | None = None
    declared_language: str | None = None
    """The language the source claims (HTML `lang`, a JSON `language` field): a hint only."""


def normalize_whitespace(value: str) -> str:
    """Collapse every run of whitespace (newlines, tabs, no-break spaces) to one space."""
    return _WHITESPACE.sub(" ", value).strip()


def clean_title(value: object) -> str | None:
    """A one-line title with HTML entities decoded ('&amp;' is common in JSON-LD and feeds), or
    None when the value is not a non-blank string."""
    if not isinstance(value, str):
        return None
    return normalize_whitespace(unescape(value)) or None


def split_authors(value: object) -> list[str]:
    """Author names from a byline string, a schema.org-style `{"name": ...}` dict, or a list of either.

    Names are whitespace-normalised, de-duplicated (case-insensitively, first spelling kept) and
    stripped of a leading 'By'; URLs (profile links given as authors), sentences and degrees
    ('PhD') are dropped.
    """
    names: list[str] = []
    seen: set[str] = set()
    for raw in _author_strings(value):
        if _looks_like_url(raw.strip()):
            continue
        for part in _AUTHOR_SEPARATORS.split(_BYLINE_PREFIX.sub("", normalize_whitespace(unescape(raw)))):
            name = _strip_role(_BYLINE_PREFIX.sub("", part).strip(" .-–—:"))
            if not _is_name(name):
                continue
            if name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names


def _strip_role(name: str) -> str:
    """The name without a trailing job title ('Jane Doe Senior Writer' -> 'Jane Doe'); '' when the
    whole part is a job title ('Staff Writer')."""
    words = name.split()
    end = len(words)
    while end and words[end - 1].casefold().strip(".,") in ROLE_NOUNS | ROLE_MODIFIERS:
        end -= 1
    if end == len(words) or not any(word.casefold().strip(".,") in ROLE_NOUNS for word in words[end:]):
        return name
    return " ".join(words[:end])


def _is_name(part: str) -> bool:
    """A name is short and mostly capitalised: particles ('de la', 'van der') are a minority, while
    a sentence that slipped into a byline field is mostly lower case."""
    words = part.split()
    if not words or len(words) > MAX_AUTHOR_WORDS or part.casefold() in CREDENTIALS:
        return False
    if not any(char.isalpha() for char in part):
        return False
    return len(words) == 1 or sum(word[0].islower() for word in words) * 2 < len(words)


def _author_strings(value: object) -> Iterable[str]:
    """The strings and `name`s of a value and of the lists in it, however deeply nested, in order:
    a stack, not recursion, since JSON nests lists deeper than Python recurses (a 2,000-deep
    author list raised RecursionError)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            name = item.get("name")
            if isinstance(name, str):
                yield name
        elif isinstance(item, list | tuple):
            pending.extend(reversed(item))


def _looks_like_url(value: str) -> bool:
    return value.startswith(("http://", "https://", "www.", "/"))


def parse_datetime(value: object) -> datetime | None:
    """A publication time from ISO 8601, RFC 2822 (RSS `pubDate`), a written date or a Unix timestamp.

    A date written out in English ('Nov 05, 2025', '5 November 2025') is accepted too, as a
    naive midnight. The timezone is kept when the value has one and a naive value stays naive: guessing a zone
    would invent precision the source does not have. Numbers are Unix time, which is UTC.
    Unparseable values give None: a bad date must not cost the article.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= UNIX_MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    iso = text[:-1] + "+00:00" if text[-1:] in "Zz" else _SPACED_OFFSET.sub(r"\1", text)
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    # a date written out ('Nov 05, 2025'): a date without a time, so a naive midnight
    written = written_dates(text)
    return datetime(written[0].year, written[0].month, written[0].day) if len(written) == 1 else None


def normalize_language(value: object) -> str | None:
    """The ISO 639-1 code of a declared language tag ('en-GB' -> 'en'), or None."""
    if not isinstance(value, str):
        return None
    match = _LANGUAGE_TAG.match(value.strip())
    return match.group(1).lower() if match else None


def normalize_url(value: object) -> str | None:
    """An absolute http(s) URL, or None: relative links and other schemes identify nothing, and
    a URL with a lone surrogate (a JSON escape such as '\\ud800') has no UTF-8 form to request
    or to store."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return None
    return url if LONE_SURROGATE.search(url) is None else None


def url_date(url: str | None) -> date | None:
    """The date in a URL's path ('https://example.com/2025/12/18/title/'), or None."""
    if not url:
        return None
    path = urlsplit(url).path if "//" in url else url
    match = URL_DATE.search(path)
    return _date_of(match) if match else None


def written_dates(text: str) -> list[date]:
    """The calendar dates written in a text, in the order they appear."""
    found: list[tuple[int, date]] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _date_of(match)
            if value is not None:
                found.append((match.start(), value))
    found.sort(key=lambda item: item[0])
    return [value for _, value in found]


def _date_of(match: re.Match[str]) -> date | None:
    parts = match.groupdict()
    year, day = int(parts["year"]), int(parts["day"])
    month_name = parts.get("month_name")
    month = month_number(month_name) if month_name else int(parts["month"])
    for m, d in ((month, day), (day, month)) if not month_name else ((month, day),):
        try:
            return date(year, m, d)
        except ValueError:
            continue
    return None

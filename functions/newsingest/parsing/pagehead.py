"""What a page shows readers around its headline: the byline and the date.

Structured metadata (see `htmlmeta`) is what a publisher tells search engines, and many pages
have none, or only for the site (an `Organization` as author). Readers see a byline and a date
next to the headline instead. This module reads the page's text in document order and looks at
the short lines just before and after the headline, stopping where the article's first
paragraph starts, so that dates and names further down (related articles, comments, an event
date in the text) are not mistaken for the article's. The headline is the `<h1>` chosen as such
or, without one, the first text block that reads the chosen headline. For pages that show no
date there, `labelled_dates` finds those the page labels as its publication or update date.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice

import lxml.etree
from lxml.html import HtmlElement

from newsingest.parsing.fields import DATE_PATTERNS, parse_datetime, split_authors, written_dates
from newsingest.parsing.titles import TITLE_SITE_SEPARATORS
from newsingest.textpatterns import WORD

HEAD_WINDOW_BEFORE_CHARS = 300
"""Text read before the headline: dates and bylines above it ('Last updated: Dec 12, 2025',
a kicker line) sit within a few short lines; 300 characters reach past a category label and a
breadcrumb but not into the navigation menu."""

HEAD_WINDOW_AFTER_CHARS = 1000
"""Text read after the headline when no paragraph starts sooner: a standfirst, a byline with a
job title, a date and a reading time fit in 1000 characters."""

BODY_PARAGRAPH_WORDS = 25
"""A text block of this many words is article prose, where the window stops: bylines and date
lines have under 15 words, a standfirst sentence under 25 more often than not."""

MAX_BLOCKS_BEFORE = 64
"""Text blocks remembered while looking for the headline. The window before it ends after 300
characters; 64 blocks hold that many unless most are one or two characters (icons, bullets)."""

MAX_STANDFIRST_BLOCKS = 1
"""Prose blocks passed over after the headline: the standfirst (a sentence or two summing up the
article) often comes between the headline and the byline; the second prose block is the text."""

SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "select", "button"})
"""Elements whose text readers do not see as page text."""

AUTHOR_ATTRIBUTE = re.compile(r"author|byline|writer", re.IGNORECASE)
"""Class, id, rel or itemprop values of the elements that hold bylines ('author-name', 'byline',
itemprop="author", rel="author")."""

AUTHOR_LINK = re.compile(r"/(?:authors?|writers?|contributors?|columnists?|journalists?|byline)/[^/?#]", re.I)
"""Links to an author's page ('/author/jane-doe', '/authors/jane-doe/')."""

BYLINE_LABEL = re.compile(
    r"^(?:by|written by|words by|posted by|published by|authored by|article by|story by|author|authors)\b\s*:?\s*(.*)$",
    re.IGNORECASE,
)
"""A byline's label; the names follow it on the same line or in the next element ('By' in a span
of its own, the name in a link)."""

BYLINE_FILLERS = frozenset(
    {"admin", "administrator", "author", "authors", "editor", "editors", "staff", "guest", "team", "anonymous",
     "unknown", "contributor", "contributors", "written by", "by", "posted by", "share", "follow", "more", "name",
     "email", "sponsored", "advertisement"}
)  # fmt: skip
"""Byline fillers that are not anybody's name."""

DATE_WORDS = frozenset(
    {"january", "february", "march", "july", "september", "october", "november", "december", "jan", "feb", "mar",
     "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "updated", "published", "posted", "modified",
     "min", "read", "ago", "today", "yesterday", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday",
     "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)  # fmt: skip
"""Words of the date and reading-time lines that bylines run into ('Updated January', 'Sat').
Months that are also given names (April, May, June, August) are left out."""

BYLINE_MARKUP_LEVELS = 2
"""How far up from a text the byline markup may be: the name sits in a link or span inside the
element that carries class="byline" ('<div class="byline">By <a>Jane Doe</a></div>'); further up
is the whole article header, whose class says nothing about this text."""

MAX_BYLINE_BLOCKS = 6
"""Blocks read after a byline label: three linked names and the separators between them."""

BYLINE_JOINERS = re.compile(r"^(?:,|&|and|,\s*and)$", re.IGNORECASE)
"""What stands between the linked names of a byline."""

MAX_BYLINE_LINE_WORDS = 14
"""A byline line holds two or three names, a label and a date: 14 words at most."""

BYLINE_TRAILER = re.compile(r"\s*[—–|•·]\s*|,\s*(?=(?:updated|published|posted|on)\b|\w+\.? \d)", re.IGNORECASE)
"""Where a byline's names end and its date or reading time begins."""

MAX_BYLINE_NAMES = 6
"""More names than this in one element is a list of tags or links, not a byline."""

MAX_BYLINE_CHARS = 120
"""A text block longer than this is not a byline, even if it starts with 'By': names, job titles
and a date fit in 120 characters."""

DATE_LABEL = re.compile(
    r"^(?:(?P<published>published|posted|first published|date published|publication date)"
    r"|(?P<updated>updated|last updated|last modified|modified|date modified|last reviewed|reviewed))"
    r"(?:\s+on)?\b\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
"""A date's label where the page shows it away from the headline ('Last updated: November 13,
2025' under the article, 'Published on' in a sidebar): labelled, so not an event date in the
text. The date follows on the same line or in the next element."""

MAX_DATE_LINE_CHARS = 80
"""A labelled date line is the label, a date and perhaps a time: longer text is a sentence that
happens to start with 'Updated' or 'Posted'."""

_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+", re.I)
"""A weekday before a date ('Monday, March 3, 2025', 'Tue 4 March 2025')."""


@dataclass(frozen=True)
class PageHead:
    """What the page shows around its headline."""

    authors: list[str] = field(default_factory=list)
    """Names in the byline next to the headline, or else in the page's first author element."""
    dates: list[date] = field(default_factory=list)
    """Dates shown next to the headline, in page order."""


@dataclass(frozen=True)
class _Block:
    """A run of text in document order and the element that holds it."""

    element: HtmlElement
    text: str
    datetime_attribute: str | None = None


def read_page_head(
    tree: HtmlElement,
    headline: HtmlElement | None,
    site_names: Sequence[str] = (),
    headline_text: str | None = None,
) -> PageHead:
    """The byline and dates around `headline` (the `<h1>` element) or, without one, around the
    first text block that reads `headline_text` (the headline chosen from the page's titles);
    the page's author links when neither is found."""
    if headline is not None:
        window = _head_window(_text_blocks(tree), headline)
    elif headline_text:
        window = _window_at_text(_text_blocks(tree), headline_text)
    else:
        window = []
    names = _byline(window) or _author_elements(tree)
    excluded = {name.casefold() for name in site_names}
    return PageHead(
        authors=[name for name in names if name.casefold() not in excluded],
        dates=[found for block in window for found in _block_dates(block)],
    )


def _text_blocks(tree: HtmlElement) -> Iterator[_Block]:
    """The page's visible text runs (element texts and tails) in document order."""
    walker = lxml.etree.iterwalk(tree, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in SKIPPED or not tag:
                walker.skip_subtree()
                continue
            if tag == "time":
                yield _Block(element, element.text or "", element.get("datetime"))
            elif element.text and element.text.strip():
                yield _Block(element, element.text)
        elif element.tail and element.tail.strip():
            parent = element.getparent()
            yield _Block(parent if parent is not None else element, element.tail)


def _head_window(blocks: Iterator[_Block], headline: HtmlElement) -> list[_Block]:
    """The short blocks from the headline on, then those just before it (read in one pass that
    stops at the end of the window, not at the end of the page)."""
    inside = set(headline.iter())
    preceding: deque[_Block] = deque(maxlen=MAX_BLOCKS_BEFORE)
    for block in blocks:
        if block.element in inside:
            after = _blocks_after(chain([block], blocks))
            return after + _blocks_before(preceding)
        preceding.append(block)
    return []


@dataclass(frozen=True)
class LabelledDates:
    """The dates a page labels anywhere in its text: as its publication ('Published: ...',
    'Posted on ...') and as its last update ('Last updated: ...')."""

    published: date | None = None
    updated: date | None = None
    """Only looked for until a publication date is found."""


def labelled_dates(tree: HtmlElement) -> LabelledDates:
    """The first date the page labels as its publication and, before it, as its update. For
    pages that show no date by the headline."""
    found: dict[str, date] = {}
    pending: str | None = None
    for block in _text_blocks(tree):
        text = block.text.strip()
        if pending is not None:
            day = _leading_date(text) if block.datetime_attribute is None else next(iter(_block_dates(block)), None)
            if day is not None:
                found.setdefault(pending, day)
            pending = None
        if not text or len(text) > MAX_DATE_LINE_CHARS:
            continue
        label = DATE_LABEL.match(text)
        if label is None:
            continue
        kind = "published" if label.group("published") else "updated"
        rest = label.group("rest")
        if rest.strip():
            day = _leading_date(rest)
            if day is not None:
                found.setdefault(kind, day)
        else:
            pending = kind
        if "published" in found:
            break
    return LabelledDates(published=found.get("published"), updated=found.get("updated"))


def _leading_date(text: str) -> date | None:
    """The date a text starts with, perhaps after a weekday ('Monday, March 3, 2025 at 9:00');
    None when it starts with anything else ('Updated figures released on 4 June...')."""
    rest = _WEEKDAY.sub("", text.strip(), count=1)
    if len(rest) > MAX_DATE_LINE_CHARS or not any(pattern.match(rest) for pattern in DATE_PATTERNS):
        return None
    dates = written_dates(rest)
    return dates[0] if dates else None


def _window_at_text(blocks: Iterator[_Block], headline_text: str) -> list[_Block]:
    """The head window around the first block whose words are the headline's. Pages without a
    usable `<h1>` still show their headline by the byline and the date: in an `<h2>` or a
    styled `<p>` (site builders), or next to an empty `<h1>` (a `<p>` inside an `<h1>` ends it
    when the page is parsed)."""
    forms = {tuple(word.casefold() for word in WORD.findall(title)) for title in _title_forms(headline_text)}
    forms.discard(())
    if not forms:
        return []
    preceding: deque[_Block] = deque(maxlen=MAX_BLOCKS_BEFORE)
    for block in blocks:
        if tuple(word.casefold() for word in WORD.findall(block.text)) in forms:
            return _blocks_after(chain([block], blocks)) + _blocks_before(preceding)
        preceding.append(block)
    return []


def _title_forms(title: str) -> list[str]:
    """The headline, and without what follows its last separator: a `<title>` chosen as the
    headline may still end in a site name that was not recognised ('Title | Some Blog')."""
    parts = TITLE_SITE_SEPARATORS.split(title)
    return [title] if len(parts) < 2 else [title, title[: list(TITLE_SITE_SEPARATORS.finditer(title))[-1].start()]]


def _blocks_after(blocks: Iterable[_Block]) -> list[_Block]:
    after: list[_Block] = []
    chars = 0
    prose = _Prose()
    for block in blocks:
        if prose.read(block):
            if prose.paragraphs > MAX_STANDFIRST_BLOCKS:
                break
            continue
        if chars > HEAD_WINDOW_AFTER_CHARS:
            break
        after.append(block)
        chars += len(block.text.strip())
    return after


def _blocks_before(preceding: Sequence[_Block]) -> list[_Block]:
    before: list[_Block] = []
    chars = 0
    prose = _Prose()
    for block in reversed(preceding):
        if prose.read(block) or chars > HEAD_WINDOW_BEFORE_CHARS:
            break
        before.append(block)
        chars += len(block.text.strip())
    return before[::-1]


class _Prose:
    """Tells which text blocks are article prose and counts the prose paragraphs read.

    A paragraph with links, emphasis or footnote marks is read as several short runs (the text
    before a link, the link, the text after it), none of them prose-length on its own: the
    window would run on into the article and take a date mentioned in it for the article's. So
    a run inside a `<p>` of prose length is prose, and the paragraph counts once however many
    runs it has; only a second prose-length run in the same element (text after a `<br>`)
    counts as another paragraph, as every prose-length run did before."""

    def __init__(self) -> None:
        self.paragraphs = 0
        self._long_runs: dict[HtmlElement, int] = {}
        self._words: dict[HtmlElement, int] = {}

    def read(self, block: _Block) -> bool:
        """Whether the block is prose; counts the paragraph it starts, if any."""
        element = block.element
        paragraph = element if element.tag == "p" else next(element.iterancestors("p"), element)
        long_run = _is_prose(block.text)
        if not long_run and (paragraph.tag != "p" or self._word_count(paragraph) < BODY_PARAGRAPH_WORDS):
            return False
        runs = self._long_runs.get(paragraph)
        if runs is None or (long_run and runs):
            self.paragraphs += 1
        self._long_runs[paragraph] = (runs or 0) + long_run
        return True

    def _word_count(self, paragraph: HtmlElement) -> int:
        if paragraph not in self._words:
            self._words[paragraph] = len(paragraph.text_content().split())
        return self._words[paragraph]


def _is_prose(text: str) -> bool:
    return len(text.split()) >= BODY_PARAGRAPH_WORDS


def _block_dates(block: _Block) -> list[date]:
    if block.datetime_attribute:
        parsed = parse_datetime(block.datetime_attribute)
        if parsed is not None:
            return [parsed.date()]
    return written_dates(block.text)


def _byline(window: Sequence[_Block]) -> list[str]:
    """Names from a labelled byline ('By Jane Doe') or a byline element in the head window."""
    for index, block in enumerate(window):
        text = block.text.strip()
        if len(text) > MAX_BYLINE_CHARS:
            continue
        label = BYLINE_LABEL.match(text)
        if label is not None:
            names = byline_names(label.group(1)) or _names_in(window[index + 1 : index + 1 + MAX_BYLINE_BLOCKS])
            if names:
                return names
        if _is_author_element(block.element):
            names = byline_names(text)
            if names:
                return names
    return []


def _names_in(blocks: Sequence[_Block]) -> list[str]:
    """Names in the blocks after a byline label: a name, then more only each after a joiner
    (',', 'and'), as in 'By <a>Jane Doe</a> and <a>John Roe</a>'."""
    names: list[str] = []
    expect_name = True
    for block in blocks:
        text = block.text.strip()
        if not expect_name:
            if not BYLINE_JOINERS.match(text):
                break
            expect_name = True
            continue
        found = byline_names(text)
        if not found:
            break
        names += [name for name in found if name not in names]
        expect_name = False
    return names


def is_byline_line(line: str) -> bool:
    """Whether a line of text is a byline: a label ('By', 'Written by') and names, perhaps with
    a date or a reading time after a dash or a bullet ('By Jane Doe — 5 min read')."""
    label = BYLINE_LABEL.match(line.strip())
    if label is None or len(line.split()) > MAX_BYLINE_LINE_WORDS:
        return False
    names_part = BYLINE_TRAILER.split(label.group(1), maxsplit=1)[0]
    return bool(byline_names(names_part))


def _author_elements(tree: HtmlElement) -> list[str]:
    """Names in the page's first element marked up as the author: `itemprop="author"` (its
    `itemprop="name"` when it has one), `rel="author"`, or a link to an author page. Class names
    are not trusted this far from the headline ('author-box' lists other writers' posts)."""
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if "author" in (element.get("itemprop") or "").split():
            name_element = next(iter(element.xpath(".//*[@itemprop='name']")), None)
            source = name_element if name_element is not None else element
            names = byline_names(source.get("content") or _element_text(source))
        elif element.tag == "a" and (
            "author" in (element.get("rel") or "").split() or AUTHOR_LINK.search(element.get("href") or "")
        ):
            names = byline_names(_element_text(element))
        else:
            continue
        if names:
            return names
    return []


def _element_text(element: HtmlElement) -> str:
    """The element's text with its children's texts apart ('Jane Doe<span>Reporter</span>')."""
    return " ".join(text.strip() for text in element.itertext() if text.strip())


def _is_author_element(element: HtmlElement) -> bool:
    """Whether the element, or one of its two nearest ancestors, is marked up as a byline."""
    for candidate in (element, *islice(element.iterancestors(), BYLINE_MARKUP_LEVELS)):
        for attribute in ("class", "id", "rel", "itemprop"):
            value = candidate.get(attribute)
            if value and AUTHOR_ATTRIBUTE.search(value):
                return True
        if candidate.tag == "a" and AUTHOR_LINK.search(candidate.get("href") or ""):
            return True
    return False


def byline_names(text: str) -> list[str]:
    """Names in a byline's text: capitalised, no dates, no fillers such as 'Admin'; none when the
    text is too long or has too many names to be a byline."""
    if len(text) > MAX_BYLINE_CHARS:
        return []
    names = []
    for name in split_authors(text):
        words = {word.casefold() for word in WORD.findall(name)}
        if name.casefold() in BYLINE_FILLERS or words & DATE_WORDS or any(char.isdigit() for char in name):
            continue
        if name == name.lower():
            continue  # 'annuals', 'software': a tag or a category, not a byline
        names.append(name)
    return names if len(names) <= MAX_BYLINE_NAMES else []

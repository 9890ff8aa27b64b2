"""Plain-text articles: a title line, then paragraphs, with the source site's furniture mixed in.

Text files reach us copied or scraped from pages: the first line is the headline (an optional
'By ...' line after it names the authors), paragraphs are separated by blank lines or by single
line breaks, and promo, consent and footer lines survive as lines of their own (see
`boilerplate`). Hard-wrapped text (fixed-width lines) is re-joined into paragraphs.

Decision on lines between the title and a furniture line: when every line there is shaped like a
headline (short, no closing punctuation) they are page chrome too, typically the title of an
embedded video or a related-article promo that preceded the consent notice, as in the Express
sample ('Ukraine: Belarus urged to refrain from aiding Russia by NATO'). A standfirst that is a
sentence, or any line followed directly by body text, stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from newsingest.parsing.boilerplate import is_boilerplate, is_list_label
from newsingest.parsing.fields import MAX_TITLE_WORDS, Extraction, normalize_whitespace, split_authors, written_dates

HEADLINE_MAX_WORDS = 20
"""Upper bound for a line to count as headline-shaped (promo titles, video captions): headlines
run 6-20 words (the sample's promo has 10); a longer line without closing punctuation is prose."""

MAX_LEAD_PROMO_LINES = 3
"""At most this many headline-shaped lines between the title and a furniture line are treated as
chrome (a video title, a promo or two); more than that is article structure, not chrome."""

HARD_WRAP_MIN_WIDTH = 50
"""Fixed-width text is wrapped at 60-80 columns (72 for mail, 76-80 for terminals and old wire
feeds). A block whose longest line is narrower than 50 is a list or verse, not wrapped prose."""

HARD_WRAP_MAX_WIDTH = 100
"""A block whose longest line is wider than any conventional wrap width (80, plus margin) holds
one paragraph per line."""

PARAGRAPH_SEPARATOR = "\n\n"

BYLINE = re.compile(
    r"^(?:(?:posted|published|written|updated)(?: on [^|]{1,40}?)? )?by:?\s+(\S.{0,80})$", re.IGNORECASE
)
"""A byline line ('By Jane Doe and John Roe', 'Posted on 14 May 2024 by Jane Doe'): read as the
authors (and the date, when it has one), not kept as text. Only looked for right after the
title, where bylines are, so a sentence starting with 'By' stays."""

MAX_LISTED_LINKS = 6
"""Link titles dropped under a bare 'Related stories:' label: related-link boxes list three to
five; a longer run of headline-shaped lines is the article's own list."""

MAX_BYLINE_WORDS = 12
"""Two or three names with 'and' and a 'By' fit in 12 words; a longer line is a sentence."""

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_OPEN_END = re.compile(r"[,:;–—-]$")
_INVISIBLE = re.compile("[\u200b\ufeff\u00ad]")
"""Zero-width spaces, stray BOMs and soft hyphens: invisible, yet they split words for search."""


def parse_plaintext(text: str) -> Extraction:
    """Title and paragraphs of a plain-text article; the text is '' when only furniture is left."""
    lines = _normalized_lines(text)
    furniture = _furniture(lines)
    content = [i for i, line in enumerate(lines) if line and not furniture[i]]
    title_index = content[0] if len(content) > 1 and _is_title(lines[content[0]]) else None
    dropped: set[int] = set()
    authors: list[str] = []
    published_at: datetime | None = None
    if title_index is not None:
        dropped.add(title_index)
        byline_index = _byline_index(lines, furniture, title_index)
        if byline_index is not None:
            dropped.add(byline_index)
            byline = BYLINE.match(lines[byline_index])
            authors = split_authors(byline.group(1)) if byline else []
            dates = written_dates(lines[byline_index])
            published_at = datetime(dates[0].year, dates[0].month, dates[0].day) if dates else None
        dropped.update(_lead_chrome(lines, furniture, title_index, skip=dropped))
    kept = [line if line and not furniture[i] and i not in dropped else None for i, line in enumerate(lines)]
    return Extraction(
        text=PARAGRAPH_SEPARATOR.join(_paragraphs(kept)),
        title=lines[title_index] if title_index is not None else None,
        authors=authors,
        published_at=published_at,
    )


def text_paragraphs(text: str) -> list[str]:
    """The paragraphs of an article body given as text (a JSON record's body): no title line."""
    lines = _normalized_lines(text)
    furniture = _furniture(lines)
    return _paragraphs([line if line and not furniture[i] else None for i, line in enumerate(lines)])


def _furniture(lines: Sequence[str]) -> list[bool]:
    """Which lines are furniture: boilerplate lines, and the link titles listed under a bare
    'Related stories:' label (headline-shaped lines, up to `MAX_LISTED_LINKS`).

    A label's list passes over blank lines and furniture, including the links an earlier label
    listed. `_skip` leads past those in one step, where walking over them line by line made a
    text of many labels quadratic (40,000 'Related:' lines took 24 s).
    """
    furniture = [bool(line) and is_boilerplate(line) for line in lines]
    skip = [index if line and not furniture[index] else index + 1 for index, line in enumerate(lines)]
    skip.append(len(lines))
    for index, line in enumerate(lines):
        if not line or not is_list_label(line):
            continue
        listed = 0
        following = _skip(skip, index + 1)
        while following < len(lines):
            if listed == MAX_LISTED_LINKS or not _is_headline_shaped(lines[following]):
                break
            furniture[following] = True
            skip[following] = following + 1
            listed += 1
            following = _skip(skip, following + 1)
    return furniture


def _skip(skip: list[int], index: int) -> int:
    """The first line from `index` on that is neither blank nor furniture (`len(lines)` when
    none is): `skip` points each such line to itself and every other line further on; the
    pointers followed are shortened to the answer, so no line is passed over twice."""
    found = index
    while skip[found] != found:
        found = skip[found]
    while skip[index] != found:
        skip[index], index = found, skip[index]
    return found


def _normalized_lines(text: str) -> list[str]:
    """Lines with whitespace runs collapsed; blank lines become ''."""
    return [normalize_whitespace(_INVISIBLE.sub("", line)) for line in text.splitlines()]


def _is_title(line: str) -> bool:
    return len(line.split()) <= MAX_TITLE_WORDS


def _is_headline_shaped(line: str) -> bool:
    return (
        len(line.split()) <= HEADLINE_MAX_WORDS
        and _SENTENCE_END.search(line) is None
        and _OPEN_END.search(line) is None
    )


def _byline_index(lines: Sequence[str], furniture: Sequence[bool], title_index: int) -> int | None:
    """The index of a 'By ...' line among the lines right after the title, if there is one."""
    for i in range(title_index + 1, len(lines)):
        if not lines[i] or furniture[i]:
            continue
        byline = BYLINE.match(lines[i])
        is_byline = byline is not None and len(lines[i].split()) <= MAX_BYLINE_WORDS
        return i if byline is not None and is_byline and split_authors(byline.group(1)) else None
    return None


def _lead_chrome(lines: Sequence[str], furniture: Sequence[bool], title_index: int, *, skip: set[int]) -> list[int]:
    """Indexes of the headline-shaped lines between the title and a furniture line (see module doc)."""
    candidates: list[int] = []
    for i in range(title_index + 1, len(lines)):
        if not lines[i] or i in skip:
            continue
        if furniture[i]:
            return candidates
        if not _is_headline_shaped(lines[i]) or len(candidates) == MAX_LEAD_PROMO_LINES:
            return []
        candidates.append(i)
    return []


def _paragraphs(lines: Sequence[str | None]) -> list[str]:
    """Paragraphs from lines, where '' separates blocks and None marks a removed line.

    A removed line does not end its block: a promo wedged into a paragraph leaves one paragraph.
    """
    paragraphs: list[str] = []
    block: list[str] = []
    for line in [*lines, ""]:
        if line is None:
            continue
        if line:
            block.append(line)
        elif block:
            paragraphs.extend(_block_paragraphs(block))
            block = []
    return paragraphs


def _block_paragraphs(block: Sequence[str]) -> list[str]:
    """One paragraph for a hard-wrapped block, else one per line (re-joining broken sentences)."""
    if _is_hard_wrapped(block):
        return [" ".join(block)]
    # each paragraph's lines, joined at the end: whether a sentence goes on depends on the last
    # line only, and re-reading (and copying) the paragraph at every line made it quadratic
    paragraphs: list[list[str]] = []
    for line in block:
        if paragraphs and _continues(paragraphs[-1][-1], line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return [" ".join(lines) for lines in paragraphs]


def _is_hard_wrapped(block: Sequence[str]) -> bool:
    """Whether the block was wrapped greedily at a fixed width.

    Greedy wrapping breaks a line only when the next word would not fit, so every line but the
    last plus the next line's first word is wider than the widest line: separate paragraphs
    rarely line up like that.
    """
    if len(block) < 2:
        return False
    width = max(len(line) for line in block)
    if not HARD_WRAP_MIN_WIDTH <= width <= HARD_WRAP_MAX_WIDTH:
        return False
    return all(len(line) + 1 + len(following.split()[0]) > width for line, following in pairwise(block))


def _continues(previous: str, line: str) -> bool:
    """A line starting in lower case after one that ends mid-sentence is the same sentence."""
    return _SENTENCE_END.search(previous) is None and not previous.endswith(":") and line[:1].islower()

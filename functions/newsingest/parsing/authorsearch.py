"""trafilatura's search for author elements (`rel="author"` ...) outside comments, sidebars and
figures, for pages that neither declare an author nor show a byline. Its EXSLT regular expressions
call into Python for every attribute (13 ms a page) and are lists of literals: here they are plain
XPath 1.0, which libxml2 evaluates natively (docs/notes/parsing-and-entities.md)."""

from __future__ import annotations

import copy
import logging

import lxml.etree
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import trim
from trafilatura.xml import delete_element

LOGGER = logging.getLogger(__name__)


def _any(function: str, attribute: str, values: tuple[str, ...]) -> str:
    return " or ".join(f"{function}(@{attribute}, '{value}')" for value in values)


DISCARDED_CLASS_PARTS = (
    "commentlist", "comments-list", "sidebar", "is-hidden", "quote", "embedly-instagram", "article-share",
    "article-support", "print", "category", "meta-date", "meta-reviewer",
)  # fmt: skip

_DISCARDED_TEST = (
    "(self::a or self::div or self::section or self::span) and ("
    "@id='comments' or @class='comments' or @class='title' or @class='date' or "
    + _any("starts-with", "id", ("comments",))
    + " or "
    + _any("contains", "id", ("commentlist", "comment-list", "ProductReviews"))
    + " or "
    + _any("starts-with", "class", ("Comments", "comments"))
    + " or "
    + _any(
        "contains",
        "class",
        DISCARDED_CLASS_PARTS,
    )
    + " or contains(@data-component, 'Figure')) or self::time or self::figure"
)
IN_DISCARDED = XPath(f"boolean(ancestor-or-self::*[{_DISCARDED_TEST}])")
DISCARDED_INSIDE = XPath(f".//*[{_DISCARDED_TEST}]")
"""trafilatura's AUTHOR_DISCARD_XPATHS as tests of one element: its ancestors, its descendants."""

AUTHOR_ELEMENTS = (
    XPath(
        "descendant-or-self::*[self::a or self::address or self::div or self::link or self::p or self::span"
        " or self::strong]["
        "@rel='author' or @id='author' or @class='author' or @itemprop='author name' or rel='me' or "
        "@data-testid='AuthorCard' or @data-testid='AuthorURL' or "
        + _any("contains", "class", ("authorname", "author-name", "AuthorName", "authorName"))
        + "] | descendant-or-self::author"
    ),
    XPath(
        "descendant-or-self::*[self::a or self::div or self::h3 or self::h4 or self::p or self::span]["
        "@class='byline' or @class='username' or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or "
        + _any("contains", "id", ("author", "zuozhe", "bianji", "xiaobian"))
        + " or "
        + _any(
            "contains",
            "class",
            ("author", "channel-name", "zuozhe", "bianji", "xiaobian", "submitted-by", "posted-by", "journalist-name"),
        )
        + "]"
    ),
    XPath(
        "descendant-or-self::*[contains(@data-component, 'Byline') or contains(@itemprop, 'author') or "
        + _any("contains", "id", ("Author", "author"))
        + " or "
        + _any("contains", "class", ("Author", "author", "screenname", "writer", "Byline", "byline"))
        + "]"
    ),
)
"""trafilatura's AUTHOR_XPATHS, most specific first. They search the page's element, not its
document: libxml2 can leave markup after the page's end outside it, which trafilatura's copy lacks."""

MIN_AUTHOR_CHARS = 2
"""trafilatura's floor: two characters or fewer are initials or a separator, not a name."""

MAX_AUTHOR_CHARS = 120
"""trafilatura's limit: a longer text in an author element is a bio or a list, not a byline."""


def search_author(tree: HtmlElement) -> str | None:
    """What trafilatura's `extract_author` gives (names normalised, joined by '; '), without its
    copy of the whole page: only a candidate is copied, to read its text without discarded parts."""
    try:
        for expression in AUTHOR_ELEMENTS:
            for element in expression(tree):
                if IN_DISCARDED(element):
                    continue
                content = trim(" ".join(_pruned(element).itertext()))
                if content and MIN_AUTHOR_CHARS < len(content) < MAX_AUTHOR_CHARS:
                    found: str | None = normalize_authors(None, content)
                    return found
    except (lxml.etree.LxmlError, ValueError, RecursionError) as exc:
        LOGGER.warning("author search failed on the page: %s", exc)
    return None


def _pruned(element: HtmlElement) -> HtmlElement:
    inside = DISCARDED_INSIDE(element)
    if not inside:
        return element
    pruned = copy.deepcopy(element)
    for descendant in DISCARDED_INSIDE(pruned):
        delete_element(descendant)
    return pruned

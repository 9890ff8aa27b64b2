"""trafilatura's search of a page for author elements, with its XPaths in plain XPath 1.0.

For pages that neither declare an author nor show a byline by the headline, trafilatura's
`extract_author` finds elements marked up as the author anywhere on the page (`rel="author"`,
`class="author-name"`, `itemprop="author"` ...) once comment sections, sidebars, dates and
figures are pruned. Its XPaths match class and id values with EXSLT regular expressions, which
lxml evaluates by calling back into Python for every attribute of the page: that made the
search cost about 13 ms a page. Every one of those regular expressions is a list of literal
alternatives (some anchored at the start), so the same tests are written here with
`contains()` and `starts-with()`, which libxml2 evaluates natively: the same elements are found
(checked against `extract_author` on the 711 evaluation pages) in a fraction of the time.
"""

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
"""trafilatura's AUTHOR_DISCARD_XPATHS (comment sections, sidebars, dates, quotes, figures) as a
test of one element: whether it or an ancestor is discarded, and its discarded descendants."""

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
"""trafilatura's AUTHOR_XPATHS, most specific first: the first that yields a short text wins.
They search the page's element, not its whole document: libxml2 can leave markup after the
page's end outside the root element, which trafilatura's copy of the page does not have."""

MIN_AUTHOR_CHARS = 2
"""trafilatura's floor: two characters or fewer are initials or a separator, not a name."""

MAX_AUTHOR_CHARS = 120
"""trafilatura's limit: a longer text in an author element is a bio or a list, not a byline."""


def search_author(tree: HtmlElement) -> str | None:
    """The text of the page's first author element outside comments, sidebars and figures, as
    trafilatura's `extract_author` gives it (names normalised, several joined by '; ').

    trafilatura prunes a copy of the whole page before searching it; here the candidates are
    found on the page itself and only they are checked: one inside a discarded element is
    skipped, and a candidate's text is read from a copy of it without its discarded parts.
    """
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

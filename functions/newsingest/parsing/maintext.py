"""The main text of a web page: trafilatura first, readability as a second opinion.

trafilatura's cascade is the better extractor on news pages, but it has one characteristic
failure: it stops early, losing whole sections after a table, a list of product cards or a
block of headings it took for navigation. readability-lxml scores the page's containers instead
of its lines and keeps such sections. So when readability's text holds most of trafilatura's
and is clearly longer, trafilatura missed part of the article and readability's text is used.
Otherwise trafilatura's is, less the paragraphs at its end that readability, agreeing on the
rest, left out: teasers of related articles, author boxes and sign-up forms that trafilatura's
line-by-line rules let through at the end of an article.

readability costs about as much as trafilatura, so it runs only when it can change the result:
when the page has enough text outside trafilatura's extraction for readability's to be longer
by the required margin. trafilatura's own cascade also runs a readability (its fork of
readability-lxml) on every page, to the same end; that pass is switched off here, since the
second opinion above does its job (on the 711 evaluation pages main-text F1 was unchanged
without it, 0.9422 -> 0.9423, and parsing took 10 ms a page less). trafilatura's other fallback,
jusText, stays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

import lxml.etree
import trafilatura
from lxml.html import HtmlElement
from readability.readability import Unparseable
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from newsingest.parsing.boilerplate import is_boilerplate
from newsingest.parsing.fragment import html_fragment_text
from newsingest.parsing.plaintext import PARAGRAPH_SEPARATOR
from newsingest.parsing.thirdparty import Readability, patched_trafilatura
from newsingest.textpatterns import WORD

LOGGER = logging.getLogger(__name__)


MIN_MAIN_TEXT_WORDS = 10
"""Fewer words than this is not an article but what an extractor's last resort scraped from a
navigation-only or error page ('Home', 'Page not found'). The shortest article among the 711
evaluation pages has 53 words, so real articles clear it by far."""

SECOND_OPINION_MIN_GAIN = 1.2
"""readability's text replaces trafilatura's only when it has at least 1.2 times as many words.
On the two thirds of the evaluation pages used for development, margins from 1.1 to 1.3 changed
main-text F1 by less than 0.2 points; 1.2 was the best, and below 1.1 the choice follows noise
(the two extractors differ by a caption or a heading on most pages)."""

SECOND_OPINION_MIN_COVERAGE = 0.7
"""...and only when it contains at least 70% of trafilatura's word 4-grams: a longer text that
does not contain trafilatura's is another part of the page (comments, a product grid), not the
same article with the missing sections. Of 0.6-0.95 tried on the development pages, 0.6 and 0.7
were best and equal (0.8 lost 0.2 points of F1); 0.7 is the stricter of the two."""

TAIL_TRIM_MIN_AGREEMENT = 0.7
"""trafilatura's trailing paragraphs are dropped only when readability holds at least 70% of its
text, that is when both found the same article. Of the thresholds tried on the development
pages (0.3-0.8) 0.7 gained the most (+0.2 points of F1); below it readability often picked a
different part of the page and its silence about the tail means nothing."""

PARAGRAPH_MIN_SUPPORT = 0.5
"""A paragraph counts as found by readability too when half its word 4-grams are in its text;
the last such paragraph ends the article."""

SHINGLE_WORDS = 4
"""Texts are compared by their word 4-grams: long enough that common phrases do not match by
chance, short enough that a changed word costs only four of them."""

OUTSIDE_ARTICLES = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "select", "button", "nav", "footer", "aside"}
)
"""Elements whose text is not counted as page text that readability could return: no text at all
or navigation and sidebars, which it scores down. (Its copy of the page keeps them: removing
even buttons changes how it scores their neighbours. `<form>` is not among them: ASP.NET pages
wrap the whole page in one.)"""


def extract_main_text(tree: HtmlElement, *, url: str | None = None) -> str:
    """The article text of a parsed page as paragraphs separated by blank lines; '' when none."""
    primary = _trafilatura_text(tree, url)
    words = _word_count(primary)
    if words < MIN_MAIN_TEXT_WORDS:
        primary = _trafilatura_text(tree, url, favor_recall=True)
        words = _word_count(primary)
    if _page_has_words(tree, max(words, 1) * SECOND_OPINION_MIN_GAIN):
        second = _readability_text(tree)
        if _is_fuller_version(second, primary):
            return second
        primary = _without_unsupported_tail(primary, second)
    return primary if _word_count(primary) >= MIN_MAIN_TEXT_WORDS else ""


def _is_fuller_version(candidate: str, text: str) -> bool:
    """Whether `candidate` is `text` with more of the article: clearly longer and containing it."""
    candidate_words = _word_count(candidate)
    if candidate_words < MIN_MAIN_TEXT_WORDS:
        return False
    if _word_count(text) < MIN_MAIN_TEXT_WORDS:
        return True
    if candidate_words < _word_count(text) * SECOND_OPINION_MIN_GAIN:
        return False
    return coverage(text, candidate) >= SECOND_OPINION_MIN_COVERAGE


def _without_unsupported_tail(text: str, second: str) -> str:
    """The text without its last paragraphs when the second extractor agrees on the article but
    stops before them: trafilatura's tail is where teasers of related articles, author boxes and
    sign-up forms slip in, and readability scores those containers apart from the article's."""
    if _word_count(second) < MIN_MAIN_TEXT_WORDS or coverage(text, second) < TAIL_TRIM_MIN_AGREEMENT:
        return text
    supported = _text_shingles(second)
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    for end in range(len(paragraphs), 0, -1):
        own = _shingles(WORD.findall(paragraphs[end - 1]))
        if own and len(own & supported) >= PARAGRAPH_MIN_SUPPORT * len(own):
            return PARAGRAPH_SEPARATOR.join(paragraphs[:end])
    return text


def coverage(text: str, container: str) -> float:
    """Share of `text`'s word 4-grams (as a set) that `container` has too; 1.0 for a text too
    short to have any."""
    inner = _text_shingles(text)
    if not inner:
        return 1.0
    return len(inner & _text_shingles(container)) / len(inner)


@lru_cache(maxsize=4)
def _text_shingles(text: str) -> frozenset[tuple[str, ...]]:
    """A whole text's 4-grams, kept for the next comparison: both extractors' texts are compared
    two or three times (containment, then agreement and support of the tail)."""
    return frozenset(_shingles(WORD.findall(text)))


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _word_count(text: str) -> int:
    return len(WORD.findall(text))


def _page_has_words(tree: HtmlElement, wanted: float) -> bool:
    """Whether the page's text outside `OUTSIDE_ARTICLES` (about the most readability can return)
    has at least `wanted` words; the count stops as soon as it has."""
    words = 0
    walker = lxml.etree.iterwalk(tree, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if not isinstance(element.tag, str) or element.tag in OUTSIDE_ARTICLES:
                walker.skip_subtree()
            elif element.text:
                words += _word_count(element.text)
        elif element.tail:
            words += _word_count(element.tail)
        if words >= wanted:
            return True
    return False


def _trafilatura_text(tree: HtmlElement, url: str | None, *, favor_recall: bool = False) -> str:
    try:
        with patched_trafilatura():
            document = trafilatura.bare_extraction(
                tree,
                url=url,
                favor_recall=favor_recall,
                include_comments=False,
                include_tables=True,
                with_metadata=False,
            )
    except (lxml.etree.LxmlError, ValueError, RecursionError) as exc:
        # trafilatura catches most failures itself; these come from malformed markup deep in lxml
        LOGGER.warning("trafilatura failed on malformed HTML: %s", exc, exc_info=True)
        return ""
    return _document_text(document) if isinstance(document, Document) else ""


def _document_text(document: Document) -> str:
    """The extracted body as paragraphs separated by blank lines, furniture lines dropped.

    trafilatura's own text joins blocks with single newlines; rendering each top-level block
    (paragraph, heading, list, quote, table) separately keeps the block structure.
    """
    paragraphs = list(_kept_blocks(xmltotxt(block, False) for block in document.body))
    if not paragraphs and document.text:
        paragraphs = [line.strip() for line in document.text.splitlines() if line.strip()]
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def _kept_blocks(blocks: Iterable[str]) -> Iterable[str]:
    for block in blocks:
        kept = [line for line in (line.strip() for line in block.splitlines()) if line and not is_boilerplate(line)]
        if kept:
            yield "\n".join(kept)


def _readability_text(tree: HtmlElement) -> str:
    """readability-lxml's article text, rendered to paragraphs like trafilatura's."""
    try:
        summary = Readability(tree).summary(html_partial=True)
    except (Unparseable, lxml.etree.LxmlError, ValueError, TypeError, RecursionError) as exc:
        LOGGER.warning("readability failed on the page: %s", exc)
        return ""
    return PARAGRAPH_SEPARATOR.join(_kept_blocks(html_fragment_text(summary).split(PARAGRAPH_SEPARATOR)))

"""The main text of a web page: trafilatura's extraction, with readability-lxml as a second opinion
that restores sections trafilatura stopped before (it stops early after tables, product cards or
heading blocks) and drops trailing teasers and sign-up forms that readability left out; see
docs/notes/parsing-and-entities.md for how the thresholds were chosen."""

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


# Fewer words is a navigation-only or error page ('Page not found'), not an article; the
# shortest evaluation article has 53 words, so real ones clear it by far.
MIN_MAIN_TEXT_WORDS = 10

# readability's text replaces trafilatura's only with this many times its words: best of 1.1-1.3
# on the development pages; below 1.1 the choice follows a caption or a heading.
SECOND_OPINION_MIN_GAIN = 1.2

# readability runs only on pages with this many times trafilatura's words (outside
# `OUTSIDE_ARTICLES`): it can gain the most there. Measured on the development pages against
# SECOND_OPINION_MIN_GAIN (1.2, where it ran on 45% of pages): 1.3 ran it on a quarter fewer
# (236 of 711 pages) for 0.0003 less main-text F1 (0.9492 -> 0.9489; held-out unchanged); 1.4
# lost 0.0008, 1.5 0.0020.
SECOND_OPINION_MIN_PAGE_GAIN = 1.3

# ...and only when it holds this share of trafilatura's 4-grams: otherwise it is another part of
# the page (comments, a product grid). 0.6 and 0.7 tied best of 0.6-0.95; 0.7 is the stricter.
SECOND_OPINION_MIN_COVERAGE = 0.7

# Trailing paragraphs are trimmed only when readability holds this share of trafilatura's text
# (both found the same article): best of 0.3-0.8 on the development pages.
TAIL_TRIM_MIN_AGREEMENT = 0.7

# A paragraph is readability's too when this share of its 4-grams is in readability's text; the
# last such paragraph ends the article.
PARAGRAPH_MIN_SUPPORT = 0.5

# Texts are compared by word 4-grams: long enough that common phrases do not match by chance,
# short enough that a changed word costs only four of them.
SHINGLE_WORDS = 4

# Text readability would not return (none, or navigation it scores down); readability's own copy
# keeps them, since removing even buttons changes its scores. Not `<form>`: ASP.NET wraps pages in one.
OUTSIDE_ARTICLES = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "select", "button", "nav", "footer", "aside"}
)


def extract_main_text(tree: HtmlElement, *, url: str | None = None) -> str:
    """The article text of a parsed page as paragraphs separated by blank lines; '' when none."""
    primary = _trafilatura_text(tree, url)
    words = _word_count(primary)
    if words < MIN_MAIN_TEXT_WORDS:
        primary = _trafilatura_text(tree, url, favor_recall=True)
        words = _word_count(primary)
    if _page_has_words(tree, max(words, 1) * SECOND_OPINION_MIN_PAGE_GAIN):
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
    """The text without the last paragraphs that `second`, agreeing on the rest, left out."""
    # trafilatura's tail is where teasers, author boxes and sign-up forms slip in; readability
    # scores those containers apart from the article's.
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
    """Share of `text`'s word 4-grams that `container` has too; 1.0 for a text without any."""
    inner = _text_shingles(text)
    if not inner:
        return 1.0
    return len(inner & _text_shingles(container)) / len(inner)


@lru_cache(maxsize=4)
def _text_shingles(text: str) -> frozenset[tuple[str, ...]]:
    # cached: each extractor's text is compared two or three times
    return frozenset(_shingles(WORD.findall(text)))


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _word_count(text: str) -> int:
    return len(WORD.findall(text))


def _page_has_words(tree: HtmlElement, wanted: float) -> bool:
    """Whether the page's text outside `OUTSIDE_ARTICLES` has at least `wanted` words."""
    # readability costs as much as trafilatura: it runs only when its text could be longer enough.
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
    """The extracted body as paragraphs separated by blank lines, furniture lines dropped."""
    # trafilatura's own text joins blocks with single newlines: render each block to keep them apart
    paragraphs = list(_kept_blocks(xmltotxt(block, False) for block in document.body))
    if not paragraphs and document.text:
        paragraphs = [line.strip() for line in document.text.splitlines() if line.strip()]
    return PARAGRAPH_SEPARATOR.join(paragraphs)


def _kept_blocks(blocks: Iterable[str]) -> Iterable[str]:
    for block in blocks:
        kept = [line for line in (line.strip() for line in block.splitlines()) if line and not _is_furniture(line)]
        if kept:
            yield "\n".join(kept)


# readability's text repeats many of trafilatura's lines: each is judged once (a fifth of the
# judgements on the evaluation pages). Room for a page's two extractions: the most distinct lines
# on one evaluation page is 550.
_is_furniture = lru_cache(maxsize=4096)(is_boilerplate)


def _readability_text(tree: HtmlElement) -> str:
    """readability-lxml's article text, rendered to paragraphs like trafilatura's."""
    try:
        summary = Readability(tree).summary(html_partial=True)
    except (Unparseable, lxml.etree.LxmlError, ValueError, TypeError, RecursionError) as exc:
        LOGGER.warning("readability failed on the page: %s", exc)
        return ""
    return PARAGRAPH_SEPARATOR.join(_kept_blocks(html_fragment_text(summary).split(PARAGRAPH_SEPARATOR)))

"""Every patch on third-party internals, kept in one place and checked at import against the
versions it was written for: trafilatura without its internal readability pass, jusText's paragraph
revision in linear time, and readability-lxml on a copy of an already parsed page, with cheaper
equivalents of its costliest steps (no public option does any of these;
tests/unit/parsing/test_thirdparty.py fails first when an upgrade breaks one)."""

from __future__ import annotations

import copy
import logging
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from itertools import accumulate
from typing import Any

import lxml.etree
import lxml.html
import readability.readability as readability_module
import trafilatura.external as trafilatura_external
from lxml.html import XHTML_NAMESPACE, HtmlElement
from readability import Document as ReadabilityDocument
from readability.readability import REGEXES as READABILITY_PATTERNS

LOGGER = logging.getLogger(__name__)

# The minor versions the patches were written and tested for (pinned in pyproject.toml, dev.lock).
TESTED_VERSIONS = {"trafilatura": "2.3", "readability-lxml": "0.9", "jusText": "3.0"}


class UntestedVersionWarning(RuntimeWarning):
    """A patched library is not at the version its patch was tested with."""


def untested_versions() -> dict[str, str]:
    """Installed versions of the patched libraries that differ from the tested minor versions."""
    installed = {name: _installed_version(name) for name in TESTED_VERSIONS}
    return {
        name: found
        for name, found in installed.items()
        if found != TESTED_VERSIONS[name] and not found.startswith(TESTED_VERSIONS[name] + ".")
    }


def _installed_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # importable without its metadata: cannot tell, so warn
        return "unknown"


def _warn_on_untested_versions() -> None:
    for name, found in untested_versions().items():
        message = (
            f"{name} {found} is installed but newsingest's patches on it were tested with "
            f"{TESTED_VERSIONS[name]}.x only: run tests/unit/parsing/test_thirdparty.py before using it"
        )
        LOGGER.error(message)
        warnings.warn(message, UntestedVersionWarning, stacklevel=2)


_warn_on_untested_versions()


# --- trafilatura: its fallbacks, swapped for the duration of one extraction ---------------------


@contextmanager
def patched_trafilatura() -> Iterator[None]:
    """trafilatura with `trafilatura.external.try_readability` answering 'nothing found' (as when
    it fails, so its own extraction and jusText decide) and jusText's paragraph revision replaced
    by `revise_paragraph_classification` below; both restored after the call."""
    # No option does this: `fast` drops jusText too (see docs/notes/parsing-and-entities.md).
    # Safe because the ingest function parses one object at a time: no other trafilatura call
    # runs in the process meanwhile.
    originals = {name: getattr(trafilatura_external, name) for name in TRAFILATURA_REPLACEMENTS}
    for name, replacement in TRAFILATURA_REPLACEMENTS.items():
        setattr(trafilatura_external, name, replacement)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(trafilatura_external, name, original)


def _nothing_found(htmlinput: HtmlElement) -> HtmlElement:
    return HtmlElement()


# --- jusText: `justext.core.revise_paragraph_classification` in linear time ---------------------

GOOD_OR_BAD = frozenset({"good", "bad"})
NOT_SHORT = frozenset({"good", "bad", "neargood"})


def revise_paragraph_classification(paragraphs: Sequence[Any], max_heading_distance: int = 200) -> None:
    """Set each jusText paragraph's `class_type` from its `cf_class` and its neighbours', as
    `justext.core.revise_paragraph_classification` does, in its four steps and order."""
    # jusText finds each short paragraph's nearest good or bad neighbour by walking the list from
    # it, quadratic on pages of thousands of short blocks; here one pass each way finds them all.
    before = [paragraph.class_type for paragraph in paragraphs]
    lengths = list(accumulate((len(paragraph.text) for paragraph in paragraphs), initial=0))

    def near_heading_text(index: int, next_good: Sequence[int | None]) -> bool:
        # jusText walks on from a heading while the text passed over is at most the distance
        found = next_good[index]
        return found is not None and lengths[found] - lengths[index + 1] <= max_heading_distance

    # good headings: jusText copies the classes in the same loop, so later ones are still `before`
    next_good = _nearest_after(before, "good".__eq__)
    for index, paragraph in enumerate(paragraphs):
        paragraph.class_type = paragraph.cf_class
        if paragraph.heading and paragraph.class_type == "short" and near_heading_text(index, next_good):
            paragraph.class_type = "neargood"

    # short paragraphs take the class of their neighbours (all decided before any is changed)
    classes = [paragraph.class_type for paragraph in paragraphs]
    previous = _nearest_before(classes, GOOD_OR_BAD.__contains__)
    following = _nearest_after(classes, GOOD_OR_BAD.__contains__)
    previous_any = _nearest_before(classes, NOT_SHORT.__contains__)
    following_any = _nearest_after(classes, NOT_SHORT.__contains__)
    new_classes: dict[int, str] = {}
    for index, paragraph in enumerate(paragraphs):
        if paragraph.class_type != "short":
            continue
        before_class, after_class = _class_at(classes, previous[index]), _class_at(classes, following[index])
        if before_class == after_class:
            new_classes[index] = before_class
        elif (before_class == "bad" and _class_at(classes, previous_any[index]) == "neargood") or (
            after_class == "bad" and _class_at(classes, following_any[index]) == "neargood"
        ):
            new_classes[index] = "good"
        else:
            new_classes[index] = "bad"
    for index, value in new_classes.items():
        paragraphs[index].class_type = value

    # near-good paragraphs: those before have been decided already, those after not yet
    classes = [paragraph.class_type for paragraph in paragraphs]
    following = _nearest_after(classes, GOOD_OR_BAD.__contains__)
    last_decided = "bad"
    for index, paragraph in enumerate(paragraphs):
        if paragraph.class_type == "neargood":
            after_class = _class_at(classes, following[index])
            paragraph.class_type = "bad" if (last_decided, after_class) == ("bad", "bad") else "good"
        if paragraph.class_type in GOOD_OR_BAD:
            last_decided = paragraph.class_type

    # more good headings: later paragraphs keep the classes of the step before
    next_good = _nearest_after([paragraph.class_type for paragraph in paragraphs], "good".__eq__)
    for index, paragraph in enumerate(paragraphs):
        if (
            paragraph.heading
            and paragraph.class_type == "bad"
            and paragraph.cf_class != "bad"
            and near_heading_text(index, next_good)
        ):
            paragraph.class_type = "good"


def _class_at(classes: Sequence[str], index: int | None) -> str:
    """The class of a neighbour; 'bad' past either end of the page, as in jusText."""
    return classes[index] if index is not None else "bad"


def _nearest_before(classes: Sequence[str], wanted: Callable[[str], bool]) -> list[int | None]:
    """For each position, the nearest earlier position whose class is wanted."""
    nearest: list[int | None] = []
    last: int | None = None
    for index, value in enumerate(classes):
        nearest.append(last)
        if wanted(value):
            last = index
    return nearest


def _nearest_after(classes: Sequence[str], wanted: Callable[[str], bool]) -> list[int | None]:
    """For each position, the nearest later position whose class is wanted."""
    nearest: list[int | None] = [None] * len(classes)
    last: int | None = None
    for index in range(len(classes) - 1, -1, -1):
        nearest[index] = last
        if wanted(classes[index]):
            last = index
    return nearest


# The names in `trafilatura.external` that `patched_trafilatura` swaps, and their replacements.
TRAFILATURA_REPLACEMENTS: dict[str, object] = {
    "try_readability": _nothing_found,
    "revise_paragraph_classification": revise_paragraph_classification,
}


# --- readability-lxml: one copy of an already parsed page, cheaper cleaning ---------------------

# What readability's cleaning removes (with their content) before it scores the page.
READABILITY_REMOVED = ("script", "style", "link", lxml.etree.Comment, lxml.etree.ProcessingInstruction)

_DISPLAY_NONE = READABILITY_PATTERNS["displayNoneRe"]
_UNLIKELY = re.compile(READABILITY_PATTERNS["unlikelyCandidatesRe"].pattern)
_MAYBE_CANDIDATE = re.compile(READABILITY_PATTERNS["okMaybeItsACandidateRe"].pattern)
_WITH_CLASS_OR_ID = lxml.etree.XPath("//*[@class or @id]")
_IN_CODE = lxml.etree.XPath("ancestor-or-self::pre | ancestor-or-self::code")
_HOLDS_ARTICLE = lxml.etree.XPath("descendant-or-self::main | descendant-or-self::article | descendant-or-self::math")

# readability turns a `<div>` into a `<p>` when its children's markup has no match of this pattern,
# a start tag whose name begins with one of its names: 'p' also matches `<param>`, `<picture>`.
_BLOCK_START_TAG = READABILITY_PATTERNS["divToPElementsRe"]
_BLOCK_TAG_PREFIXES = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul")
_INLINE_TAGS = frozenset({"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"})
_READABILITY_CLEAN = readability_module.clean
_LONG_SPACE = re.compile(r"\s{255,}")


def readability_clean(text: str) -> str:
    """`readability.readability.clean`, the same string, without its three substitutions on text
    that none of them changes (most of what readability measures: one line, single spaces)."""
    if "\n" in text or "\t" in text or "  " in text or (len(text) >= 255 and _LONG_SPACE.search(text)):
        return str(_READABILITY_CLEAN(text))
    return text.strip()


class Readability(ReadabilityDocument):  # type: ignore[misc]
    """readability-lxml's `Document` on a parsed page, leaving that page untouched: the same
    summary as readability's own, for about half the time."""

    def _parse(self, input: HtmlElement) -> HtmlElement:  # readability's signature names it `input`
        # readability drops hidden elements from the tree it is given (ours), then lxml's Cleaner
        # copies it; here both happen on one copy, made again for each of readability's passes.
        # Only the cleaning that changes text or scores is done: its rewriting of `javascript:`
        # links and `on*` attributes is not, since readability reads neither.
        doc = copy.deepcopy(input)
        for element in doc.xpath("//*[@hidden]"):
            element.drop_tree()
        for element in doc.xpath("//*[@style]"):
            if _DISPLAY_NONE.search(element.get("style")):
                element.drop_tree()
        for element in doc.iter(f"{{{XHTML_NAMESPACE}}}*"):
            element.tag = element.tag.split("}", 1)[1]
        for element in doc.iter("image"):
            element.tag = "img"
        lxml.etree.strip_attributes(doc, "style")
        lxml.etree.strip_elements(doc, *READABILITY_REMOVED, with_tail=False)
        self.encoding = "utf-8"
        return doc

    def summary(self, html_partial: bool = False, keep_all_images: bool = False) -> str:
        """readability's summary, with `READABILITY_REPLACEMENTS` for its module's functions meanwhile."""
        # readability reads these as module globals at each call; restored after the summary
        replacements = dict(READABILITY_REPLACEMENTS)
        if readability_module.log.isEnabledFor(logging.DEBUG):
            replacements = {name: replacements[name] for name in ("clean",)}  # its messages as written
        originals = {name: getattr(readability_module, name) for name in replacements}
        for name, replacement in replacements.items():
            setattr(readability_module, name, replacement)
        try:
            return str(super().summary(html_partial=html_partial, keep_all_images=keep_all_images))
        finally:
            for name, original in originals.items():
                setattr(readability_module, name, original)

    def score_paragraphs(self) -> dict[HtmlElement, dict[str, Any]]:
        """readability's scoring, with each link's text length measured once (the tree does not
        change while it scores; readability measures a link again for each candidate around it)."""
        self._link_lengths: dict[HtmlElement, int] | None = {}
        try:
            return dict(super().score_paragraphs())
        finally:
            self._link_lengths = None

    def get_link_density(self, elem: HtmlElement) -> float:
        """readability's share of an element's text in links, as it computes it."""
        lengths = getattr(self, "_link_lengths", None)
        if lengths is None:  # outside the scoring: readability's own (its tree changes meanwhile)
            return float(super().get_link_density(elem))
        link_length = 0
        for link in elem.findall(".//a"):
            known = lengths.get(link)
            if known is None:
                known = lengths[link] = _text_length(link)
            link_length += known
        return float(link_length) / max(_text_length(elem), 1)

    def transform_misused_divs_into_paragraphs(self) -> None:
        """readability's rewriting of `<div>`s, deciding from one pass over the tree what it decides
        by serialising every `<div>`'s children (each element once per `<div>` around it)."""
        # readability: a <div> whose children's markup has no block start tag becomes a <p>; an
        # inline child without one inside is wrapped in a <p> with its inline neighbours. Both
        # ask whether a block node is below an element; turning a <div> into a <p> and the
        # wrapping do not change the answer for any element not yet visited (both are blocks;
        # wrapped children have none below), so it is found once, up front.
        has_block_below: set[HtmlElement] = set()
        for node in self.html.iter():
            if isinstance(node.tag, str):
                if not node.tag.lower().startswith(_BLOCK_TAG_PREFIXES):
                    continue
            elif not _BLOCK_START_TAG.search(lxml.etree.tostring(node, with_tail=False, encoding="unicode")):
                continue  # a comment or processing instruction, serialised verbatim: '<!-- <div> -->'
            for ancestor in node.iterancestors():
                if ancestor in has_block_below:
                    break
                has_block_below.add(ancestor)
        for elem in self.tags(self.html, "div"):
            if elem not in has_block_below:
                elem.tag = "p"
        for elem in self.tags(self.html, "div"):
            children = list(elem)
            paragraph = None
            if elem.text and elem.text.strip():
                paragraph = lxml.html.fragment_fromstring("<p/>")
                paragraph.text = elem.text
                elem.text = None
                elem.insert(0, paragraph)
            for child in children:
                if child.tag == "br":
                    paragraph = None
                    continue
                if child.tag not in _INLINE_TAGS or child in has_block_below:
                    paragraph = None
                    continue
                if paragraph is None:
                    paragraph = lxml.html.fragment_fromstring("<p/>")
                    child.addprevious(paragraph)
                paragraph.append(child)
            for position, child in reversed(list(enumerate(elem))):
                if child.tail and child.tail.strip():
                    tail = lxml.html.fragment_fromstring("<p/>")
                    tail.text = child.tail
                    child.tail = None
                    elem.insert(position + 1, tail)
                if child.tag == "br":
                    child.drop_tree()

    def remove_unlikely_candidates(self) -> None:
        """readability's removal of comments, sidebars and menus by class and id, as it does it."""
        # Cheaper: only elements with a class or an id are visited (no other can match), the
        # patterns run on lower-cased names instead of folding case, and no debug message is
        # formatted per removal.
        for element in _WITH_CLASS_OR_ID(self.html):
            names = f"{element.get('class', '')} {element.get('id', '')}"
            if len(names) < 2:  # neither a class nor an id, as readability tests it
                continue
            lowered = names.lower()
            if (
                _UNLIKELY.search(lowered)
                and not _MAYBE_CANDIDATE.search(lowered)
                and element.tag not in ("html", "body")
                and not _IN_CODE(element)
                and not _HOLDS_ARTICLE(element)
            ):
                element.drop_tree()


def _text_length(element: HtmlElement) -> int:
    """readability's `text_length`, as it measures it."""
    return len(readability_module.clean(element.text_content() or ""))


def _undescribed(node: object) -> str:
    return ""


# The names in `readability.readability` that `Readability.summary` swaps, and their replacements:
# `describe` and `text_content` only format its debug messages, which it formats whether or not
# they are logged (a tenth of its time); swapped only while its logger drops them.
READABILITY_REPLACEMENTS: dict[str, Callable[..., str]] = {
    "clean": readability_clean,
    "describe": _undescribed,
    "text_content": _undescribed,
}

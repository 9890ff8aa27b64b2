"""A bound on the attributes of each start tag: libxml2 compares each with all the tag's earlier
ones, so tens of thousands took seconds to parse (docs/notes/parsing-and-entities.md). Tags are
read as the HTML tokenizer reads them: a hostile tag cannot hide attributes from the count."""

from __future__ import annotations

import re

MAX_ATTRIBUTES_PER_TAG = 256
"""News pages' richest tags carry a few dozen; 10 MB of tags of 256 parsed as fast as of 40 (0.9 s)."""

MIN_TAG_CHARS_TO_COUNT = 2 * MAX_ATTRIBUTES_PER_TAG
"""A name character and a separator per attribute: a shorter tag cannot hold too many."""

_SPACE = r"\t\n\f\r "
_VALUE = rf"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^{_SPACE}>]*+)"""
"""An unclosed quote runs to the end, as in the tokenizer."""

_ATTRIBUTE = re.compile(rf"(?:=[^{_SPACE}/>=]*+|[^{_SPACE}/>=]++)(?:[{_SPACE}]*+=[{_SPACE}]*+{_VALUE})?+")
"""A name is never empty: a leading '=' is part of it ('<div = 1>' is the attributes '=' and '1')."""

_START_TAG = re.compile(
    r"(?i:<!--[^-]*+(?:-(?!->)[^-]*+)*+(?:-->)?"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes)\b[^>]*+>[^<]*+(?:<(?!/\1\b)[^<]*+)*+)"
    rf"|<[A-Za-z][^{_SPACE}/>]*+(?P<attributes>(?:[{_SPACE}/]++|{_ATTRIBUTE.pattern})*+)(?:>|\Z)"
)
"""Once started, no match fails (possessive quantifiers, the end as a way out): each character is
read once. Comments and raw-text elements, where libxml2 2.14 reads no tags (it does in
`<noscript>`), are passed over whole: a script's 'a<b.length' is no tag to cut."""


def cap_attributes(markup: str) -> str:
    """The markup without attributes past the bound; the same object when no tag has too many."""
    kept: list[str] = []
    copied = 0
    for tag in _START_TAG.finditer(markup):
        start, end = tag.span("attributes")
        if start < 0 or end - start < MIN_TAG_CHARS_TO_COUNT:  # a comment or raw text, or a short tag
            continue
        excess = _excess_attribute_start(markup, start, end)
        if excess is not None:
            kept.append(markup[copied:excess])
            copied = end
    if not kept:
        return markup
    kept.append(markup[copied:])
    return "".join(kept)


def _excess_attribute_start(markup: str, start: int, end: int) -> int | None:
    count = 0
    for attribute in _ATTRIBUTE.finditer(markup, start, end):
        if not attribute.group(0):
            continue  # the pattern also matches the empty string between separators
        count += 1
        if count > MAX_ATTRIBUTES_PER_TAG:
            return attribute.start()
    return None

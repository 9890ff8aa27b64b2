"""A bound on the attributes of each start tag, applied to markup before it is parsed.

libxml2's HTML parser compares each attribute of a start tag with all the tag's earlier ones,
so a tag with n attributes costs n² comparisons: 30,000 attributes (250 KB of markup) took 4 s
to parse and 40,000 took 12 s, and htmldate's date search is quadratic in them again. No page
needs anything like that many, so attributes past `MAX_ATTRIBUTES_PER_TAG` are cut from the
markup. Tags are read as the HTML tokenizer reads them (a quote starts a value only after '=',
'<' may be part of a name), so the count is the parser's, and a hostile tag cannot hide its
attributes from it. The pass costs about 1 ms on an average evaluation page (256 KB).
"""

from __future__ import annotations

import re

MAX_ATTRIBUTES_PER_TAG = 256
"""News pages' richest tags (SVG paths, tracking-laden links and images) carry a few dozen
attributes. With 256 the parser's quadratic check costs about 0.15 ms a tag: 10 MB of such tags
parsed in 0.9 s, as fast as 10 MB of tags with 40 attributes."""

MIN_TAG_CHARS_TO_COUNT = 2 * MAX_ATTRIBUTES_PER_TAG
"""Each attribute takes a name character and a separator at least: a shorter tag cannot hold
too many, and is not counted."""

_SPACE = r"\t\n\f\r "
_VALUE = rf"""(?:"[^"]*+(?:"|\Z)|'[^']*+(?:'|\Z)|[^{_SPACE}>]*+)"""
"""An attribute value: quoted (an unclosed quote runs to the end, as in the tokenizer) or bare."""

_ATTRIBUTE = re.compile(rf"=?[^{_SPACE}/>=]*+(?:[{_SPACE}]*+=[{_SPACE}]*+{_VALUE})?+")
"""One attribute: a name (a leading '=' is part of it) and perhaps '=' and a value."""

_START_TAG = re.compile(
    r"(?i:<!--[^-]*+(?:-(?!->)[^-]*+)*+(?:-->)?"
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes)\b[^>]*+>[^<]*+(?:<(?!/\1\b)[^<]*+)*+)"
    rf"|<[A-Za-z][^{_SPACE}/>]*+(?P<attributes>(?:[{_SPACE}/]++|{_ATTRIBUTE.pattern})*+)(?:>|\Z)"
)
"""A start tag to its closing '>' (or the end of the markup). Possessive quantifiers and the
end of the markup as a way out mean no match ever fails once it has started, so each character
is read once however the tags are broken. Comments and the content of raw-text elements (a
script's code, a style sheet) are matched whole and passed over: the tokenizer reads no tags in
them, and a script's 'a<b.length' is not a tag to cut. The raw-text elements are those libxml2
2.14 (lxml's) reads no tags in; it does read them in `<noscript>`, so that one is scanned."""


def cap_attributes(markup: str) -> str:
    """The markup with every start tag's attributes after the first `MAX_ATTRIBUTES_PER_TAG`
    removed; markup without such tags is returned as it is."""
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
    """Where the first attribute past the bound starts in markup[start:end], if there is one."""
    count = 0
    for attribute in _ATTRIBUTE.finditer(markup, start, end):
        if not attribute.group(0):
            continue  # the pattern also matches the empty string between separators
        count += 1
        if count > MAX_ATTRIBUTES_PER_TAG:
            return attribute.start()
    return None

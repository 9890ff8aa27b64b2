"""Repairs to markup before it is parsed, where libxml2 would lose text that browsers show: a
`<title>`, `<style>` or `<script>` never closed swallows the rest of the page, and what follows
an `</html>` is dropped (docs/notes/parsing-and-entities.md)."""

from __future__ import annotations

import re

_RAW_TEXT_ELEMENTS = ("title", "style", "script")

_START_TAGS = {name: re.compile(rf"<{name}(?=[\t\n\f\r />])[^<>]*+>?", re.IGNORECASE) for name in _RAW_TEXT_ELEMENTS}

_END_TAGS = {name: re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE) for name in _RAW_TEXT_ELEMENTS}

_ANY_TAG = re.compile(r"<[a-zA-Z/!?]")
"""Ends an unclosed title or style: neither holds tags."""

_PAGE_TAG = re.compile(
    r"</head\b|<(?:body|div|p|h[1-6]|article|main|section|header|footer|nav|table|ul|ol|form|center)(?=[\t\n\f\r />])",
    re.IGNORECASE,
)
"""Ends an unclosed script, whose comparisons and strings hold '<' but rarely these tags."""

_CLOSING_POINTS = {"title": _ANY_TAG, "style": _ANY_TAG, "script": _PAGE_TAG}

_HTML_END_TAG = re.compile(r"</html(?=[\t\n\f\r />])[^<>]*+>?", re.IGNORECASE)


def repair_markup(markup: str) -> str:
    """The markup repaired; the same object when it needs no repair."""
    return _HTML_END_TAG.sub("", close_raw_text(markup))


def close_raw_text(markup: str) -> str:
    """Only the last start tag of each kind can be unclosed: an earlier one ends at a later end tag
    of its kind, as the parser and a browser see it."""
    for name in _RAW_TEXT_ELEMENTS:
        last_end = 0
        for end_tag in _END_TAGS[name].finditer(markup):
            last_end = end_tag.end()
        start = _START_TAGS[name].search(markup, last_end)
        if start is None:
            continue
        closing = _CLOSING_POINTS[name].search(markup, start.end())
        if closing is not None:
            markup = f"{markup[: closing.start()]}</{name}>{markup[closing.start() :]}"
    return markup

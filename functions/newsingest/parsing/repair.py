"""Repairs to markup before it is parsed, where libxml2 would lose text that browsers show.

The parser reads a `<title>`, `<style>` or `<script>` element's content as text up to its end
tag, so one never closed swallows the rest of the page: an old page whose `<title>` is left
open parses as a head holding the whole page as its title, with no body and no article. An
unclosed `<title>` or `<style>` is ended where the next tag starts (neither holds tags), an
unclosed `<script>` before the next tag that is plainly the page's (`</head>`, `<body>`, a block
such as `<div>` or `<p>`), since scripts hold '<' in comparisons and strings. And libxml2 drops
everything after an `</html>`, where browsers go on reading into the body (two documents run
together, content a CMS appends), so `</html>` end tags are removed.
"""

from __future__ import annotations

import re

_RAW_TEXT_ELEMENTS = ("title", "style", "script")

_START_TAGS = {name: re.compile(rf"<{name}(?=[\t\n\f\r />])[^<>]*+>?", re.IGNORECASE) for name in _RAW_TEXT_ELEMENTS}
"""A start tag up to its '>' (or up to the next '<' when it has none)."""

_END_TAGS = {name: re.compile(rf"</{name}(?=[\t\n\f\r />])", re.IGNORECASE) for name in _RAW_TEXT_ELEMENTS}

_ANY_TAG = re.compile(r"<[a-zA-Z/!?]")
"""Where the next tag, comment or declaration starts: the end of an unclosed title or style."""

_PAGE_TAG = re.compile(
    r"</head\b|<(?:body|div|p|h[1-6]|article|main|section|header|footer|nav|table|ul|ol|form|center)(?=[\t\n\f\r />])",
    re.IGNORECASE,
)
"""Where an unclosed script ends: the end of the head, or the start of the body or of one of its
blocks, tags that a script's code and strings rarely hold."""

_CLOSING_POINTS = {"title": _ANY_TAG, "style": _ANY_TAG, "script": _PAGE_TAG}

_HTML_END_TAG = re.compile(r"</html(?=[\t\n\f\r />])[^<>]*+>?", re.IGNORECASE)


def repair_markup(markup: str) -> str:
    """The markup with unclosed raw-text elements closed and `</html>` end tags removed; the
    markup itself (the same object) when it needs neither."""
    return _HTML_END_TAG.sub("", close_raw_text(markup))


def close_raw_text(markup: str) -> str:
    """The markup with the end tag of an unclosed `<title>`, `<style>` or `<script>` added where
    the page's next tag starts.

    Only the last start tag of each kind can be unclosed: an earlier one ends at a later end tag
    of its kind, which is what the parser (and a browser) sees, so it is left alone.
    """
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

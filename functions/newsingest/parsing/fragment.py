"""Text of an HTML fragment that is all article (a JSON record's body, an extractor's output):
nothing is judged, tags go (scripts and embeds with their content), blocks become paragraphs, and
whitespace collapses as a browser renders it, so line breaks in the source do not split sentences."""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from newsingest.errors import RejectedInput, RejectReason
from newsingest.parsing.repair import repair_markup

BLOCK_ELEMENTS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "table", "section",
     "article", "header", "footer", "figure", "figcaption", "pre", "hr", "dd", "dt", "dl", "main", "aside"}
)  # fmt: skip

CELL_ELEMENTS = frozenset({"td", "th"})
"""Separated within their row, so adjacent cells do not run into one word."""

SKIPPED_ELEMENTS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "title")
"""With their content; a `<title>` too, which browsers never show, even in a fragment's body."""

_PARAGRAPH_BREAK = "\ue000"  # private-use characters: XML allows them, no page means them here
_LINE_BREAK = "\ue001"
_CELL_BREAK = "\ue002"
_FULL_DOCUMENT = re.compile(r"\s*<(?:html|!doctype)", re.IGNORECASE)
"""Markup lxml parses as a document rather than wrapping it in one (its own test)."""
_WHITESPACE = re.compile(r"\s+")
_BREAKS = re.compile("\\s*([\ue000\ue001\ue002])\\s*")
_LINE_BREAKS = re.compile("\ue001+")
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What an lxml tree cannot hold: assigned, it raises `ValueError`; a lone surrogate (from JSON's
'\\ud800') in the markup ends the parsed text."""


def html_fragment_text(fragment: str) -> str:
    """Paragraphs (separated by blank lines) of an HTML fragment; lines within one by newlines."""
    try:
        root = _body_content(repair_markup(_xml_text(fragment)))
    except (lxml.etree.LxmlError, ValueError) as exc:
        raise RejectedInput(RejectReason.NO_MAIN_TEXT, f"unparseable HTML body: {exc}") from exc
    for element in list(root.iter(*SKIPPED_ELEMENTS)):
        element.drop_tree()
    for element in root.iter():
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        # character references ('&#1;') put what `_xml_text` removes back into the parsed text
        if tag == "br":
            element.tail = _LINE_BREAK + _xml_text(element.tail or "")
        elif tag in BLOCK_ELEMENTS:
            element.text = _PARAGRAPH_BREAK + _xml_text(element.text or "")
            element.tail = _PARAGRAPH_BREAK + _xml_text(element.tail or "")
        elif tag in CELL_ELEMENTS:
            element.tail = _CELL_BREAK + _xml_text(element.tail or "")
    text = _WHITESPACE.sub(" ", _xml_text(str(root.text_content())))
    text = _BREAKS.sub(_collapse_breaks, text)
    paragraphs = (" | ".join(cell for cell in block.split(_CELL_BREAK) if cell) for block in _blocks(text))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph.strip())


def _body_content(fragment: str) -> lxml.html.HtmlElement:
    """All outside the `<head>`, each `<body>` a block: `fragment_fromstring` asserts one body, and a
    frameset has none, two documents run together have two."""
    if _FULL_DOCUMENT.match(fragment) is None:
        fragment = f"<html><body>{fragment}</body></html>"  # as lxml wraps a fragment
    document = lxml.html.document_fromstring(fragment)
    root = lxml.html.Element("div")
    for element in [element for element in document if element.tag != "head"]:
        if element.tag == "body":
            element.tag = "div"  # a block of its own: two bodies' texts do not run into one paragraph
        root.append(element)
    return root


def _xml_text(text: str) -> str:
    """A lone surrogate as U+FFFD (as elsewhere in parsing), whitespace as a space, the rest dropped."""
    if _NOT_XML_TEXT.search(text) is None:
        return text
    return _NOT_XML_TEXT.sub(_xml_replacement, text)


def _xml_replacement(match: re.Match[str]) -> str:
    character = match.group(0)
    if "\ud800" <= character <= "\udfff":
        return "\ufffd"
    return " " if character.isspace() else ""


def _collapse_breaks(match: re.Match[str]) -> str:
    return match.group(1)


def _blocks(text: str) -> list[str]:
    blocks = [block.strip(_LINE_BREAK + _CELL_BREAK + " ") for block in text.split(_PARAGRAPH_BREAK)]
    return [_LINE_BREAKS.sub("\n", block).strip() for block in blocks if block]

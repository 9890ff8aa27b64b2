"""Text of an HTML fragment that is all article (a JSON record's body, an extractor's output).

Nothing is judged here: tags go, scripts and embeds go with their content, block elements become
paragraph breaks and `<br>` a line break. Whitespace inside a block is collapsed the way a
browser renders it, so line breaks in the markup's source do not split sentences. A "fragment"
may also be a whole document, or several run together: its text is that of all its bodies.
"""

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
"""Elements whose text is a paragraph of its own (a `<br>` only breaks the line)."""

CELL_ELEMENTS = frozenset({"td", "th"})
"""Table cells: separated within their row, so adjacent cells do not run into one word."""

SKIPPED_ELEMENTS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "title")
"""Elements dropped with their content: code, embeds, and a `<title>` (which browsers never show,
even where the parser leaves it in a fragment's body)."""

_PARAGRAPH_BREAK = "\ue000"  # private-use characters: XML allows them, no page means them here
_LINE_BREAK = "\ue001"
_CELL_BREAK = "\ue002"
_FULL_DOCUMENT = re.compile(r"\s*<(?:html|!doctype)", re.IGNORECASE)
"""Markup lxml parses as a document rather than wrapping it in one (its own test)."""
_WHITESPACE = re.compile(r"\s+")
_BREAKS = re.compile("\\s*([\ue000\ue001\ue002])\\s*")
_LINE_BREAKS = re.compile("\ue001+")
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters an lxml tree cannot hold (C0 controls, U+FFFE/U+FFFF, lone surrogates): lxml
raises `ValueError` when such text is assigned to an element, and a lone surrogate in the
markup ends the parsed text where it stands (JSON escapes such as '\\ud800' produce them)."""


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
    """A `<div>` holding what the fragment parses to outside the `<head>`, each `<body>` as a block.

    lxml's `fragment_fromstring` keeps the content of the one body and asserts there is exactly
    one: a whole document without a body (readability's summary of a page whose `<title>`
    swallowed it, a frameset) has none, and markup run on after a `</body>` ('...</body><body>'
    in a record holding two documents) has several, or content beside the body.
    """
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
    """The text with what `_NOT_XML_TEXT` matches replaced: a lone surrogate by U+FFFD (as
    elsewhere in parsing), a control character that is whitespace (vertical tab, form feed) by a
    space, anything else dropped."""
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
    """Paragraphs of the marked-up text; consecutive breaks are one, line breaks become newlines."""
    blocks = [block.strip(_LINE_BREAK + _CELL_BREAK + " ") for block in text.split(_PARAGRAPH_BREAK)]
    return [_LINE_BREAKS.sub("\n", block).strip() for block in blocks if block]

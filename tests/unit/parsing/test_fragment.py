"""Text of HTML fragments: blocks become paragraphs, source line breaks do not."""

from __future__ import annotations

from newsingest.parsing.fragment import html_fragment_text


def test_html_fragment_becomes_paragraph_text_without_scripts() -> None:
    # Given an article body as an HTML fragment
    fragment = "<p>First <b>bold</b> paragraph.</p><script>track()</script><p>Second<br>line</p><ul><li>Item</li></ul>"

    # When / Then: paragraphs are separated, tags and scripts gone, the <br> a line break
    assert html_fragment_text(fragment) == "First bold paragraph.\n\nSecond\nline\n\nItem"


def test_line_breaks_in_the_markup_source_do_not_split_a_paragraph() -> None:
    fragment = "<p>The council met\n   on Tuesday\tand voted.</p>\n\n<p>\n  It was close.\n</p>"
    assert html_fragment_text(fragment) == "The council met on Tuesday and voted.\n\nIt was close."


def test_table_cells_are_kept_apart_within_their_row() -> None:
    fragment = "<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>$10</td></tr></table>"
    assert html_fragment_text(fragment) == "Plan | Price\n\nBasic | $10"


def test_nested_blocks_give_no_empty_paragraphs() -> None:
    assert html_fragment_text("<div><div><p>One.</p></div><div></div><p>Two.</p></div>") == "One.\n\nTwo."


def test_empty_fragment_gives_empty_text() -> None:
    assert html_fragment_text("") == ""


def test_whole_document_gives_the_text_of_its_body_only() -> None:
    # Given a document (readability returns one for some pages) with a head
    document = (
        "<!DOCTYPE html><html><head><title>Headline</title><style>p {}</style></head><body><p>One.</p></body></html>"
    )

    # When / Then
    assert html_fragment_text(document) == "One."


def test_document_without_a_body_gives_empty_text() -> None:
    # Given documents with only a head, or a frameset (lxml's fragment parser asserted one body)
    for document in ("<html><head><title>Headline &lt;p&gt;swallowed</title></head></html>",
                     "<html><frameset><frame src='a.html'></frameset></html>"):  # fmt: skip
        # When / Then
        assert html_fragment_text(document) == ""


def test_several_bodies_give_the_text_of_each_as_paragraphs() -> None:
    # Given markup that goes on after its body: another body, a second document, content beside the body
    fragments = (
        "<p>One.</p></body><body>Two.",
        "<html><body><p>One.</p></body></html><html><body>Two.</body></html>",
        "<html><body>One.</body><p>Two.</p></html>",
    )
    for fragment in fragments:
        # When / Then
        assert html_fragment_text(fragment) == "One.\n\nTwo."

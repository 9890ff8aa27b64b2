"""Markup repairs before parsing: unclosed raw-text elements end at the next tag, `</html>` goes."""

from __future__ import annotations

import pytest

from newsingest.parsing.repair import close_raw_text, repair_markup


@pytest.mark.parametrize(
    ("markup", "repaired"),
    [
        ("<head><title>Budget\n<meta name=x></head>", "<head><title>Budget\n</title><meta name=x></head>"),
        ("<TITLE>Budget</HEAD><BODY>", "<TITLE>Budget</title></HEAD><BODY>"),
        ("<title/><meta name=x>", "<title/></title><meta name=x>"),
        ("<style>p { color: red }\n</head>", "<style>p { color: red }\n</style></head>"),
        ("<script>if (a < b) w('<b>');\n</head><body>", "<script>if (a < b) w('<b>');\n</script></head><body>"),
        ("<body><script>var n = 1 < 2;<div>x</div>", "<body><script>var n = 1 < 2;</script><div>x</div>"),
    ],
    ids=["title before a tag", "title before the head's end", "self-closed title", "style", "script in the head",
         "script before a block"],
)  # fmt: skip
def test_unclosed_raw_text_element_ends_where_the_page_goes_on(markup: str, repaired: str) -> None:
    assert close_raw_text(markup) == repaired


@pytest.mark.parametrize(
    "markup",
    [
        "<title>Budget</title><script>var a = '<div>';</script><style>p {}</style><body><p>x</p>",
        "<title>A <b> title</title >",
        "<title>A title running to the end",  # nothing after it to recover
        "<script>if (a < b) { run('<b>'); }",  # no tag of the page after it
        "<titles>not a title<p>x</p>",
    ],
)
def test_closed_or_unrecoverable_markup_is_left_as_it_is(markup: str) -> None:
    assert close_raw_text(markup) is markup


def test_only_the_last_unclosed_element_of_a_kind_is_closed() -> None:
    # Given a title that ends at a later end tag (as the parser reads it) and a last one left open
    markup = "<title>One<p>in the title</p></title><svg><title>Two<g></svg>"

    # When / Then
    assert close_raw_text(markup) == "<title>One<p>in the title</p></title><svg><title>Two</title><g></svg>"


def test_html_end_tags_are_removed_so_content_after_them_is_parsed() -> None:
    markup = "<html><body><p>a</p></body></html>\n<html><body><p>b</p></body></HTML >"
    assert repair_markup(markup) == "<html><body><p>a</p></body>\n<html><body><p>b</p></body>"

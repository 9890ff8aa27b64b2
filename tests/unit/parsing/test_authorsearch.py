"""The author-element search, which must find what trafilatura's `extract_author` finds."""

from __future__ import annotations

import lxml.html
import pytest
from trafilatura.metadata import extract_author

from newsingest.parsing.authorsearch import search_author


@pytest.mark.parametrize(
    "body",
    [
        "<p>Text</p><a rel='author' href='/a'>Ada Byron</a>",
        "<div class='post-author-name'>Ada Byron</div>",
        "<span itemprop='author'>Ada Byron</span>",
        "<div id='comments'><span class='author'>A Commenter</span></div><p class='byline'>Alan Turing</p>",
        "<aside class='sidebar'><a rel='author'>Sidebar Writer</a></aside>",
        "<div class='author'>Ada Byron <time>May 1, 2024</time></div>",
        "<figure><figcaption class='author'>Photographer Name</figcaption></figure><p>No author here</p>",
        "<div class='author'>A</div><span class='byline-writer'>Grace Hopper</span>",
        "<p>Nothing to find</p>",
    ],
)
def test_the_same_author_is_found_as_by_trafilatura(body: str) -> None:
    tree = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    assert search_author(tree) == extract_author(tree)


def test_author_elements_inside_discarded_sections_are_skipped() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><div class='comments-list'><span class='author'>A Commenter</span></div>"
        "<span class='author-name'>Ada Byron</span></body></html>"
    )
    assert search_author(tree) == "Ada Byron"


def test_a_date_inside_the_author_element_is_not_part_of_the_name() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><div class='author'>Ada Byron<time>May 1, 2024</time></div></body></html>"
    )
    assert search_author(tree) == "Ada Byron"

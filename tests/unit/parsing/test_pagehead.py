"""The byline and dates a page shows around its headline."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from newsingest.parsing.pagehead import byline_names, is_byline_line, labelled_dates, read_page_head

PROSE = (
    "The harbour authority confirmed on Monday that the new ferry terminal will open in June, two years later "
    "than planned, after a long dispute over the cost of dredging the approach channel."
)


def _head(body: str, site_names: tuple[str, ...] = ()) -> tuple[list[str], list[date]]:
    tree = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    headline = next(tree.iter("h1"), None)
    head = read_page_head(tree, headline, site_names)
    return head.authors, head.dates


def test_labelled_byline_with_linked_names_gives_each_name() -> None:
    authors, _ = _head(
        "<h1>Ferry delayed</h1><div>By <a href='/a'>Ada Byron</a>, <a href='/b'>Alan Turing</a> and "
        f"<a href='/c'>Grace Hopper</a></div><p>{PROSE}</p>"
    )
    assert authors == ["Ada Byron", "Alan Turing", "Grace Hopper"]


def test_byline_element_after_a_standfirst_is_found() -> None:
    # Given a standfirst sentence between the headline and the byline
    authors, _ = _head(f"<h1>Ferry delayed</h1><p>{PROSE}</p><span class='author-name'>Ada Byron</span><p>{PROSE}</p>")

    # When / Then
    assert authors == ["Ada Byron"]


def test_byline_is_not_looked_for_inside_the_article_text() -> None:
    # Given a 'By ...' line after two paragraphs of prose (a quote source, a related box)
    authors, _ = _head(f"<h1>Ferry delayed</h1><p>{PROSE}</p><p>{PROSE}</p><p>By Ada Byron</p>")

    # When / Then
    assert authors == []


def test_without_a_byline_near_the_headline_the_page_author_markup_is_used() -> None:
    byline = "<div itemprop='author'><span itemprop='name'>Ada Byron</span></div>"
    body = f"<h1>Ferry delayed</h1><p>{PROSE}</p><p>{PROSE}</p>{byline}"
    assert _head(body)[0] == ["Ada Byron"]


def test_author_named_like_the_site_is_not_a_byline() -> None:
    assert _head("<h1>Ferry delayed</h1><p class='byline'>By Harbour News</p>", ("Harbour News",))[0] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ada Byron", ["Ada Byron"]),
        ("By Ada Byron, Senior Reporter", ["Ada Byron"]),
        ("Updated January", []),
        ("Sat", []),
        ("annuals", []),
        ("Admin", []),
        ("Written By", []),
        ("squash, butterflies, bees, plants, soil, water, roaches, beetles, ticks", []),
        ("May Smith", ["May Smith"]),
    ],
)
def test_byline_names_keep_people_and_drop_dates_fillers_and_tag_lists(text: str, expected: list[str]) -> None:
    assert byline_names(text) == expected


def test_dates_shown_under_and_above_the_headline_are_read_in_that_order() -> None:
    # Given a 'last updated' line above the headline and a <time> below it
    _, dates = _head(
        "<div>Last updated: Dec 12, 2025</div><h1>Ferry delayed</h1>"
        "<time datetime='2025-11-30T08:00:00+01:00'>30 Nov</time>"
        f"<p>{PROSE}</p><p>{PROSE}</p><p>Published 1 January 2020</p>"
    )

    # When / Then: the one after the headline first; none from the text
    assert dates == [date(2025, 11, 30), date(2025, 12, 12)]


LINKED_PARAGRAPH = (
    "<p>The harbour authority said on <a href='/notice'>its website</a> that the dredging contract was signed on "
    "4 March 2025, <a href='/tender'>two years after</a> the tender opened and long after the ferry company had "
    "asked for the approach channel to be deepened.</p>"
)
"""A paragraph whose runs between its links are each shorter than prose, and a date in it."""


def test_a_paragraph_split_by_links_is_prose_and_ends_the_window() -> None:
    # Given a standfirst, then a paragraph with links that mentions a date, and no date line
    _, dates = _head(f"<h1>Ferry delayed</h1><p>{PROSE}</p>{LINKED_PARAGRAPH}<p>{PROSE}</p>")

    # When / Then: the date in the article's text is not the article's date
    assert dates == []


def test_a_standfirst_split_by_links_counts_once() -> None:
    # Given a standfirst with links between the headline and the date line
    _, dates = _head(f"<h1>Ferry delayed</h1>{LINKED_PARAGRAPH}<p>12 March 2025</p><p>{PROSE}</p>")

    # When / Then: its runs are one paragraph passed over, not the start of the text
    assert dates == [date(2025, 3, 12)]


def test_a_page_without_headline_element_shows_no_dates() -> None:
    tree = lxml.html.document_fromstring(f"<html><body><p>March 5, 2024</p><p>{PROSE}</p></body></html>")
    assert read_page_head(tree, None).dates == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Preetam Jinka", True),
        ("by Jacob Trussell—10 min read", True),
        ("by: Ziyi Xu, Dec 17, 2025", True),
        ("Written by Sean Peek, Senior Analyst", True),
        ("By noon, the fire was out.", False),
        ("By 2030 the city will need more water.", False),
    ],
)
def test_byline_lines_are_told_from_sentences_starting_with_by(line: str, expected: bool) -> None:
    assert is_byline_line(line) is expected


def test_without_an_h1_the_window_is_around_the_block_that_reads_the_headline() -> None:
    # Given a site builder's page: the headline in a styled <p>, the byline and date under it
    tree = lxml.html.document_fromstring(
        "<html><body><p class='nav'>Blog</p><p class='title'>Ferry Delayed Again</p>"
        f"<p class='byline'>By Ada Byron</p><p>Feb 16, 2026</p><p>{PROSE}</p><p>{PROSE}</p>"
        "<p>Posted March 1, 2026</p></body></html>"
    )

    # When
    head = read_page_head(tree, None, (), "Ferry delayed again")

    # Then
    assert head.authors == ["Ada Byron"]
    assert head.dates == [date(2026, 2, 16)]


def test_a_title_tag_headline_is_found_on_the_page_without_its_unknown_site_suffix() -> None:
    tree = lxml.html.document_fromstring(
        f"<html><body><h2>Ferry delayed</h2><div>Dec. 19, 2025</div><p>{PROSE}</p></body></html>"
    )
    assert read_page_head(tree, None, (), "Ferry delayed | Harbour Blog").dates == [date(2025, 12, 19)]


def test_an_empty_h1_before_the_headline_text_still_anchors_the_window() -> None:
    # Given '<h1><p>Title</p></h1>': the parser ends the <h1> at the <p>, leaving it empty
    tree = lxml.html.document_fromstring(
        f"<html><body><h1><p>Ferry delayed</p></h1><p>Dec 17, 2025</p><p>{PROSE}</p></body></html>"
    )
    assert read_page_head(tree, None, (), "Ferry delayed").dates == [date(2025, 12, 17)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f"<p>{PROSE}</p><p style='text-align:right'>Last updated: November 13, 2025</p>", date(2025, 11, 13)),
        (f"<p>{PROSE}</p><div><span>Published</span> <span>3 March 2024</span></div>", date(2024, 3, 3)),
        # the publication date wins over an update shown before it
        (f"<p>Updated: May 2, 2024</p><p>{PROSE}</p><p>Posted on April 1, 2024</p>", date(2024, 4, 1)),
        # a sentence that starts like a label is not a date line
        ("<p>Updated figures show the cost on 4 June 2024.</p>", None),
        ("<p>Posted</p><p>by Ada Byron on 4 June 2024</p>", None),
        (f"<p>{PROSE} It opened on March 5, 2024.</p>", None),
    ],
)
def test_a_date_labelled_as_published_or_updated_is_found_anywhere(body: str, expected: date | None) -> None:
    tree = lxml.html.document_fromstring(f"<html><body>{body}</body></html>")
    found = labelled_dates(tree)
    assert (found.published or found.updated) == expected


def test_prose_runs_split_by_line_breaks_count_as_paragraphs() -> None:
    # Given an article written as one element with line breaks between its paragraphs
    _, dates = _head(f"<h1>Ferry delayed</h1><div>{PROSE}<br><br>{PROSE}<br><br>{PROSE}</div><p>5 May 2025</p>")

    # When / Then: the second paragraph ends the window, before the date after the article
    assert dates == []

"""Choosing the headline among a page's titles, and stripping site names from titles."""

from __future__ import annotations

import lxml.html
import pytest

from newsingest.parsing.titles import choose_headline, strip_site_name


def _body(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body>{html}</body></html>")


def test_h1_sharing_words_with_the_structured_titles_is_the_headline() -> None:
    # Given an <h1> and SEO variants of it
    tree = _body("<h1>Top 10 Health and Nutrition Trends to Watch</h1>")

    # When
    headline = choose_headline(tree, ["Health And Nutrition Trends For 2026", None, None], [], None)

    # Then the <h1> wins, and its element anchors the byline search
    assert headline.text == "Top 10 Health and Nutrition Trends to Watch"
    assert headline.element is not None and headline.element.tag == "h1"


def test_h1_that_is_the_site_name_is_skipped() -> None:
    tree = _body("<h1>Harbour News</h1><h1>Ferry terminal delayed</h1>")
    headline = choose_headline(tree, ["Ferry terminal delayed | Harbour News"], ["Harbour News"], None)
    assert headline.text == "Ferry terminal delayed"


def test_h1_in_navigation_or_footer_is_skipped() -> None:
    tree = _body("<nav><h1>Ferry news</h1></nav><footer><h1>Ferry terminal</h1></footer>")
    assert choose_headline(tree, ["Ferry terminal delayed"], [], None).element is None


def test_among_several_h1s_the_one_closest_to_the_structured_titles_wins() -> None:
    tree = _body("<h1>Latest</h1><h1>Menu</h1><h1>Travel Insurance For Yoga Retreats</h1>")
    headline = choose_headline(
        tree, ["Best Yoga Retreat Travel Insurance Options | Ambuja Yoga"], ["Ambuja Yoga"], None
    )
    assert headline.text == "Travel Insurance For Yoga Retreats"


def test_without_a_plausible_h1_the_first_structured_title_is_used_without_its_site_suffix() -> None:
    tree = _body("<h1>Our Blog</h1>")
    headline = choose_headline(tree, [None, "Ferry terminal delayed | Harbour News", "Other"], ["Harbour News"], None)
    assert (headline.text, headline.element) == ("Ferry terminal delayed", None)


def test_without_structured_titles_the_first_h1_is_the_headline() -> None:
    assert choose_headline(_body("<h1>Ferry terminal delayed</h1>"), [None, None, None], [], None).text == (
        "Ferry terminal delayed"
    )


def test_a_page_with_no_title_at_all_has_no_headline() -> None:
    assert choose_headline(_body("<p>text</p>"), [None, None, None], [], None).text is None


@pytest.mark.parametrize(
    ("title", "site_names", "url", "expected"),
    [
        ("Ferry delayed | Harbour News", ["Harbour News"], None, "Ferry delayed"),
        ("Ferry delayed - harbour news", ["Harbour News"], None, "Ferry delayed"),
        ("Ferry delayed — Tarkett", [], "https://home.tarkett.co.uk/x", "Ferry delayed"),
        ("Ferry delayed | Top 19 Companies", ["Harbour News"], None, "Ferry delayed | Top 19 Companies"),
        ("Brexit - a history - Harbour News", ["Harbour News"], None, "Brexit - a history"),
        ("Harbour News", ["Harbour News"], None, "Harbour News"),
        ("Ferry delayed - UK", [], "https://example.co.uk/x", "Ferry delayed - UK"),
        # a suffix containing the domain's name, or contained in the site name
        ("Top 5 HR Tools in 2026 | DianaHR", [], "https://www.getdianahr.com/blog/x", "Top 5 HR Tools in 2026"),
        ("Car Checklist | Bridgestone Tires", [], "https://tires.bridgestone.com/x", "Car Checklist"),
        ("Portfolio | Thrive Marketing", ["Thrive Marketing Agency"], None, "Portfolio"),
        # too short to match inside a longer name
        ("Ferry delayed | BBC Travel", [], "https://www.bbc.co.uk/x", "Ferry delayed | BBC Travel"),
    ],
)
def test_site_suffix_is_stripped_only_when_it_names_the_site(
    title: str, site_names: list[str], url: str | None, expected: str
) -> None:
    assert strip_site_name(title, site_names, url) == expected


def test_a_date_or_byline_nested_in_the_h1_is_not_part_of_the_headline() -> None:
    # Given themes that put the date (a <time>) or a 'Posted on ... by ...' block inside the <h1>
    tree = _body(
        "<h1><a href='/p'><time datetime='2025-12-18'>Dec 18 2025</time> Preparing a transition</a></h1>"
        "<h1 class='entry'>Top Strategies<h3 class='date-info'><span class='posted-on'>Posted on July 1, 2024</span>"
        "<span class='byline'> by infuy</span></h3></h1>"
    )

    # When
    first = choose_headline(tree, ["Preparing a transition"], [], None)
    second = choose_headline(tree, ["Top Strategies"], [], None)

    # Then
    assert (first.text, second.text) == ("Preparing a transition", "Top Strategies")


def test_a_wrapper_whose_class_merely_contains_meta_keeps_the_headline() -> None:
    tree = _body("<h1><span class='hs_cos_wrapper_meta_field'>An Ultimate Guide to Renovation</span></h1>")
    assert choose_headline(tree, ["Renovation guide: phases"], [], None).text == "An Ultimate Guide to Renovation"


def test_an_h1_marked_up_as_the_site_name_or_logo_is_skipped() -> None:
    tree = _body("<h1 class='site-name'><a href='/'>Anil's Notes</a></h1><h1>Porting an HTML5 parser</h1>")
    assert choose_headline(tree, ["Porting an HTML5 parser / Notes"], [], None).text == "Porting an HTML5 parser"


def test_an_all_capitals_h1_takes_the_casing_of_the_structured_title_with_its_words() -> None:
    tree = _body("<h1>BEST DRIP COFFEE MAKER IN 2026</h1>")
    assert choose_headline(tree, ["Best Drip Coffee Maker in 2026"], [], None).text == "Best Drip Coffee Maker in 2026"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Ferry terminal delayed | Opinion", "Ferry terminal delayed"),
        ("Harbour Desk | Ferry terminal delayed again", "Ferry terminal delayed again"),
        ("Ferry terminal delayed | Travel Advice | Harbour Council", "Ferry terminal delayed"),
        ("Ferry terminal delayed - Part 1", "Ferry terminal delayed - Part 1"),
        ("Either/or: ferry|rail", "Either/or: ferry|rail"),
    ],
)
def test_a_title_divided_by_pipes_is_its_longest_part(title: str, expected: str) -> None:
    # Given a title whose pipe-separated parts name no known site
    headline = choose_headline(_body("<p>text</p>"), [None, None, title], [], None)

    # When / Then
    assert headline.text == expected


def test_a_blog_name_in_the_h1_before_the_post_title_is_not_the_headline() -> None:
    # Given a blog theme: the blog's name in the <h1>, the post's title in an <h3> and after
    # the blog's name in the <title>
    tree = _body("<h1>Harbour Notes</h1><h2>December 16, 2025</h2><h3>Ferry terminal delayed</h3>")

    # When
    headline = choose_headline(tree, [None, None, "Harbour Notes: Ferry terminal delayed"], [], None)

    # Then
    assert (headline.text, headline.element) == ("Ferry terminal delayed", None)


def test_an_h1_headline_followed_by_its_author_and_site_in_the_title_stays_the_headline() -> None:
    tree = _body("<h1>Ferry terminal delayed</h1><h3>Ada Byron</h3>")
    headline = choose_headline(
        tree, [None, "Ferry terminal delayed — Ada Byron | Harbour", None], ["Ada Byron | Harbour"], None
    )
    assert headline.text == "Ferry terminal delayed"
    assert headline.element is not None


def test_an_all_capitals_h1_gives_way_to_the_structured_title_sharing_most_of_its_words() -> None:
    # Given a styled all-capitals <h1> whose words differ a little from the SEO title's
    tree = _body("<h1>BEST DRIP COFFEE MAKER IN 2026: TIPS FROM PROS</h1>")

    # When
    headline = choose_headline(tree, [None, "Best Drip Coffee Maker 2026: Tips From Pros", "Coffee | Site"], [], None)

    # Then
    assert headline.text == "Best Drip Coffee Maker 2026: Tips From Pros"


def test_an_all_capitals_h1_stays_when_the_structured_titles_are_in_capitals_too() -> None:
    tree = _body("<h1>FERRY TERMINAL DELAYED</h1>")
    headline = choose_headline(tree, [None, "FERRY TERMINAL DELAYED AGAIN", None], [], None)
    assert headline.text == "FERRY TERMINAL DELAYED"

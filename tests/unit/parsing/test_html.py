"""HTML pages: the main text without the page's furniture, metadata from what the page declares
and what it shows.

The `wcxb-*` pages are from the WCXB article-extraction dev set (CC-BY-4.0, see the fixtures'
README); their expected values come from its labels.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsingest.parsing.html import extract_html

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"

PARAGRAPH = (
    "The harbour authority confirmed on Monday that the new ferry terminal will open in June, two years "
    "later than planned, after a long dispute over the cost of dredging the approach channel."
)
SECOND = (
    "Operators said the delay had cost them passengers, and the regional council has asked for an "
    "independent review of how the contract was managed from the start."
)


def _real_page(name: str) -> str:
    return gzip.decompress((FIXTURES / name).read_bytes()).decode("utf-8")


def _page(head: str = "", body: str = "") -> str:
    body = body or f"<article><h1>Ferry terminal delayed</h1><p>{PARAGRAPH}</p><p>{SECOND}</p></article>"
    return (
        f"<!doctype html><html><head>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"{body}<footer>© 2024 Harbour News</footer></body></html>"
    )


def test_real_news_page_gives_labelled_title_author_date_and_url() -> None:
    # Given a Prevention article page
    markup = _real_page("wcxb-0004-diet-trends.html.gz")

    # When
    extraction = extract_html(markup)

    # Then the metadata matches the labels, and the time keeps the page's UTC-5 offset
    assert extraction.title == "The 7 Biggest Diet and Nutrition Trends in 2025, According to Nutritionists"
    assert extraction.authors == ["Korin Miller"]
    assert extraction.published_at is not None
    assert extraction.published_at.date().isoformat() == "2025-01-29"
    assert extraction.published_at.utcoffset() == timedelta(hours=-5)
    assert extraction.url == "https://www.prevention.com/weight-loss/diets/a63515464/diet-trends-2025/"
    assert extraction.declared_language == "en"


def test_real_news_page_text_has_the_labelled_paragraphs_separated_by_blank_lines() -> None:
    # Given the same page
    markup = _real_page("wcxb-0004-diet-trends.html.gz")

    # When
    paragraphs = extract_html(markup).text.split("\n\n")

    # Then the labelled first and last paragraphs open and close the text
    assert paragraphs[0].startswith("Food and nutrition advice is constantly changing")
    assert paragraphs[-1].endswith("without over-reliance on modern technology or supplementation,” Keatley says.")
    assert len(paragraphs) > 20


def test_entity_encoded_byline_is_split_into_authors() -> None:
    # Given a page whose JSON-LD author is 'Maria &amp; Katerina'
    extraction = extract_html(_real_page("wcxb-0009-book-a-flight.html.gz"))

    # Then
    assert extraction.authors == ["Maria", "Katerina"]
    assert extraction.title == "How To Book a Flight For Beginners"


def test_headings_are_kept_as_paragraphs_of_their_own() -> None:
    # Given a page with a subheading between paragraphs
    body = f"<article><p>{PARAGRAPH}</p><h2>What happens next</h2><p>{SECOND}</p></article>"

    # When
    text = extract_html(_page(body=body)).text

    # Then
    assert text == f"{PARAGRAPH}\n\nWhat happens next\n\n{SECOND}"


def test_navigation_and_footer_are_not_part_of_the_text() -> None:
    text = extract_html(_page()).text
    assert "Home" not in text
    assert "© 2024" not in text
    assert PARAGRAPH in text


def test_the_h1_headline_wins_over_the_seo_titles_that_share_its_words() -> None:
    # Given JSON-LD, og:title and <title> variants of the <h1> 'Ferry terminal delayed'
    head = (
        "<title>Ferry terminal delayed until June | Harbour News</title>"
        '<meta property="og:title" content="Ferry terminal delayed: what commuters need to know">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry terminal delay"}</script>'
    )

    # When / Then: the headline readers see
    assert extract_html(_page(head)).title == "Ferry terminal delayed"


def test_jsonld_headline_wins_when_the_h1_is_not_the_headline() -> None:
    # Given an <h1> that is a section name sharing no word with the structured titles
    head = (
        "<title>Title tag | Harbour News</title>"
        '<meta property="og:title" content="OG title">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "JSON-LD headline"}</script>'
    )
    body = f"<h1>Our Blog</h1><article><p>{PARAGRAPH}</p><p>{SECOND}</p></article>"

    # When / Then
    assert extract_html(_page(head, body)).title == "JSON-LD headline"


def test_og_title_is_used_without_its_site_name_suffix_when_there_is_no_h1() -> None:
    # Given an og:title ending in the og:site_name, and no <h1>
    head = (
        '<meta property="og:title" content="Ferry terminal delayed again | Harbour News">'
        '<meta property="og:site_name" content="Harbour News">'
    )
    body = f"<article><p>{PARAGRAPH}</p><p>{SECOND}</p></article>"

    # When / Then
    assert extract_html(_page(head, body)).title == "Ferry terminal delayed again"


def test_title_tag_is_the_last_resort_and_loses_a_domain_suffix() -> None:
    # Given only a <title> ending in the site's domain, the canonical URL on that domain, no <h1>
    head = (
        "<title>Ferry terminal delayed - HarbourNews.co.uk</title>"
        '<link rel="canonical" href="https://www.harbournews.co.uk/ferry">'
    )
    body = f"<article><p>{PARAGRAPH}</p><p>{SECOND}</p></article>"

    # When / Then
    assert extract_html(_page(head, body)).title == "Ferry terminal delayed"


def test_meta_author_and_published_time_with_timezone_are_used() -> None:
    head = (
        '<meta name="author" content="Ada Byron, Alan Turing">'
        '<meta property="article:published_time" content="2024-03-01T10:00:00+05:30">'
    )
    extraction = extract_html(_page(head))
    assert extraction.authors == ["Ada Byron", "Alan Turing"]
    assert extraction.published_at == datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=5, minutes=30)))


def test_page_without_article_text_gives_empty_text() -> None:
    # Given a page with navigation only
    markup = "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a></nav></body></html>"

    # When / Then: empty, which parse_article turns into no_main_text
    assert extract_html(markup).text == ""


def test_bare_html_fragment_is_extracted_like_a_page() -> None:
    # Given paragraphs without any <html> or <body> around them
    markup = f"<p>{PARAGRAPH}</p><p>{SECOND}</p>"

    # When / Then
    assert extract_html(markup).text == f"{PARAGRAPH}\n\n{SECOND}"


# --- furniture around and inside the article --------------------------------------------------

FURNITURE_PAGE = "harbour-news-furniture.html"

FURNITURE_THAT_MUST_GO = [
    "We use cookies",  # consent banner
    "Accept all cookies",
    "Home",  # navigation and breadcrumbs
    "Share on Facebook",  # share widget
    "Tweet",
    "Get the morning briefing",  # newsletter promo
    "Sign up for our free daily newsletter",
    "Advertisement",
    "Related stories",  # related-link list
    "Bridge closure to last all summer",
    "© 2024",  # footer
    "Cookie settings",
    "window.dataLayer",  # scripts and styles
    "position: fixed",
    "Ferry terminal opening delayed to June",  # the headline is the title, not a paragraph
    "By Ada Byron",  # the byline is the authors
]

TEXT_THAT_MUST_STAY = [
    "The harbour authority confirmed on Monday that the new ferry terminal will open in June",
    "Operators said the delay had cost them passengers",
    "What happens next",
    "The contractor must finish dredging by April",
    "“We would rather open late than open unsafe,” said the harbour master, Grace Hopper",
    "Commuters who paid for season tickets in advance will be offered refunds",
]


def _furniture_page() -> str:
    return (FIXTURES / FURNITURE_PAGE).read_text(encoding="utf-8")


@pytest.mark.parametrize("furniture", FURNITURE_THAT_MUST_GO)
def test_banners_widgets_promos_and_related_links_are_removed(furniture: str) -> None:
    assert furniture not in extract_html(_furniture_page()).text


def test_every_article_paragraph_and_the_subheading_stay_in_order() -> None:
    # When
    paragraphs = extract_html(_furniture_page()).text.split("\n\n")

    # Then each kept paragraph is one block, in page order, the subheading among them
    assert len(paragraphs) == len(TEXT_THAT_MUST_STAY)
    assert all(paragraph.startswith(start) for paragraph, start in zip(paragraphs, TEXT_THAT_MUST_STAY, strict=True))


def test_page_metadata_fields_are_all_filled() -> None:
    # When
    extraction = extract_html(_furniture_page())

    # Then
    assert extraction.title == "Ferry terminal opening delayed to June"
    assert extraction.authors == ["Ada Byron", "Alan Turing"]
    assert extraction.published_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert extraction.modified_at == datetime(2024, 3, 2, 8, 30, tzinfo=UTC)
    assert extraction.url == "https://www.harbournews.example/local/ferry-terminal-delayed"
    assert extraction.site_name == "Harbour News"
    assert (
        extraction.description == "The new ferry terminal will open two years late after a dispute over dredging costs."
    )
    assert extraction.declared_language == "en"


# --- what the page shows when it declares nothing -------------------------------------------


def _article_page(header: str, head: str = "") -> str:
    body = f"<article><h1>Ferry terminal delayed</h1>{header}<p>{PARAGRAPH}</p><p>{SECOND}</p></article>"
    return _page(head, body)


def test_byline_and_date_next_to_the_headline_are_used_when_nothing_is_declared() -> None:
    # Given a page without structured metadata, with a linked byline and a date under the <h1>
    header = "<div class='meta'><span>By</span> <a href='/staff/ada'>Ada Byron</a> <span>March 5, 2024</span></div>"

    # When
    extraction = extract_html(_article_page(header))

    # Then
    assert extraction.authors == ["Ada Byron"]
    assert extraction.published_at == datetime(2024, 3, 5)


def test_declared_person_beats_the_byline_shown() -> None:
    head = '<meta name="author" content="Alan Turing">'
    header = "<p class='byline'>By Ada Byron</p>"
    assert extract_html(_article_page(header, head)).authors == ["Alan Turing"]


def test_an_organisation_declared_as_author_gives_way_to_the_byline_shown() -> None:
    # Given JSON-LD crediting the publisher as author, and a person in the byline
    head = (
        '<meta property="og:site_name" content="Harbour News">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry terminal delayed",'
        ' "author": {"@type": "Organization", "name": "Harbour News"}}</script>'
    )
    header = "<div class='article-byline'><a href='/author/ada-byron'>Ada Byron</a></div>"

    # When / Then
    assert extract_html(_article_page(header, head)).authors == ["Ada Byron"]


def test_an_organisation_author_is_kept_when_the_page_shows_no_byline() -> None:
    head = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Harbour Desk"}}</script>'
    )
    assert extract_html(_article_page("", head)).authors == ["Harbour Desk"]


CEST = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("declared", "shown", "published"),
    [
        # a page re-dated in 2024 (a migration) that still shows its 2019 date: the original publication
        ("2024-06-01T09:00:00+00:00", "12 November 2019", datetime(2019, 11, 12)),
        # a later date shown is an update: the declared time stays
        ("2024-06-01T09:00:00+02:00", "Updated: 3 July 2024", datetime(2024, 6, 1, 9, tzinfo=CEST)),
        # one day before the declared UTC time is the same day in a western timezone
        ("2024-06-01T02:00:00+00:00", "May 31, 2024", datetime(2024, 6, 1, 2, tzinfo=UTC)),
        # 22:00 UTC on 19 June is 19 June in every timezone (from 10:00 at UTC-12 on): 18 June is earlier
        ("2024-06-19T22:00:00+00:00", "June 18, 2024", datetime(2024, 6, 18)),
    ],
)
def test_a_shown_date_replaces_the_declared_time_only_when_earlier_in_every_timezone(
    declared: str, shown: str, published: datetime
) -> None:
    # Given a declared publication time and a date shown under the headline
    head = f'<meta property="article:published_time" content="{declared}">'
    header = f"<p class='date'>{shown}</p>"

    # When / Then
    assert extract_html(_article_page(header, head)).published_at == published


def test_a_date_labelled_published_away_from_the_headline_is_the_date_shown() -> None:
    # Given no date by the headline, a 'Published' line under the article and a later declared time
    head = '<meta property="article:published_time" content="2024-09-02T10:00:00+00:00">'
    body = (
        f"<article><h1>Ferry terminal delayed</h1><p>{PARAGRAPH}</p><p>{SECOND}</p>"
        "<div class='article-footer'>Published <time datetime='2024-06-03'>June 3, 2024</time></div></article>"
    )

    # When / Then: the page shows readers an earlier publication date than it declares
    assert extract_html(_page(head, body)).published_at == datetime(2024, 6, 3)


# --- a second extractor where trafilatura stops early ----------------------------------------


def test_sections_trafilatura_drops_are_recovered_from_readability() -> None:
    # Given a real page whose pros-and-cons sections trafilatura's extraction leaves out
    markup = _real_page("wcxb-4859-website-builders.html.gz")

    # When
    text = extract_html(markup).text

    # Then the labelled sections are in the text, which starts with the standfirst
    for labelled in (
        "Things We Like About Squarespace (Pros)",
        "Why Weebly Made the List",
        "Drag-and-Drop Editor: User-friendly interface that allows for easy customization.",
        "Full ownership and control of the website",
    ):
        assert labelled in text
    assert text.startswith("We compare 4 of the best website builders on the market")


def test_the_date_in_the_article_url_beats_a_declared_date_on_another_day() -> None:
    # Given a page whose URL says it was published on 18 December, and declared times in UTC
    head = (
        '<link rel="canonical" href="https://harbour.example/2025/12/18/ferry-terminal-delayed/">'
        '<meta property="article:published_time" content="2025-12-19T01:30:00+00:00">'
    )

    # When / Then: the day the CMS put in the URL
    assert extract_html(_article_page("", head)).published_at == datetime(2025, 12, 18)


def test_a_declared_time_on_the_day_of_the_url_date_is_kept_with_its_time() -> None:
    head = (
        '<link rel="canonical" href="https://harbour.example/2025/12/18/ferry-terminal-delayed/">'
        '<meta property="article:published_time" content="2025-12-18T09:30:00+01:00">'
    )
    published = extract_html(_article_page("", head)).published_at
    assert published == datetime(2025, 12, 18, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def test_the_url_date_beats_an_ambiguous_numeric_date_shown_by_the_headline() -> None:
    # Given '03/10/2023' under the headline (3 October or 10 March?) and the day in the URL
    head = '<link rel="canonical" href="https://harbour.example/blog/2023/october/03/ferry/">'
    header = "<p class='date'>03/10/2023</p>"

    # When / Then
    assert extract_html(_article_page(header, head)).published_at == datetime(2023, 10, 3)


def test_a_shown_date_one_day_before_a_declared_time_without_timezone_is_the_earlier_date() -> None:
    # Given a declared time without a timezone (no timezone to differ by) and the day before shown
    head = '<meta property="article:published_time" content="2024-06-01T09:00:00">'
    header = "<p class='date'>May 31, 2024</p>"

    # When / Then
    assert extract_html(_article_page(header, head)).published_at == datetime(2024, 5, 31)

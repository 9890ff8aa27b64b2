"""HTML pages: trafilatura main text with paragraph structure, metadata from structured data first.

The two real pages are from the WCXB article-extraction dev set (CC-BY-4.0, see the fixtures'
README); their expected values come from its labels.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsingest.parsing.html import extract_html, html_fragment_text, strip_site_name

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


def test_jsonld_headline_wins_over_og_title_and_title_tag() -> None:
    head = (
        "<title>Title tag | Harbour News</title>"
        '<meta property="og:title" content="OG title">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "JSON-LD headline"}</script>'
    )
    assert extract_html(_page(head)).title == "JSON-LD headline"


def test_og_title_is_used_without_its_site_name_suffix() -> None:
    # Given an og:title ending in the og:site_name
    head = (
        '<meta property="og:title" content="Ferry terminal delayed again | Harbour News">'
        '<meta property="og:site_name" content="Harbour News">'
    )

    # When / Then
    assert extract_html(_page(head)).title == "Ferry terminal delayed again"


def test_title_tag_is_the_last_resort_and_loses_a_domain_suffix() -> None:
    # Given only a <title> ending in the site's domain, and the canonical URL on that domain
    head = (
        "<title>Ferry terminal delayed - HarbourNews.co.uk</title>"
        '<link rel="canonical" href="https://www.harbournews.co.uk/ferry">'
    )

    # When / Then
    assert extract_html(_page(head)).title == "Ferry terminal delayed"


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
    ],
)
def test_site_suffix_is_stripped_only_when_it_names_the_site(
    title: str, site_names: list[str], url: str | None, expected: str
) -> None:
    assert strip_site_name(title, site_names, url) == expected


def test_html_fragment_becomes_paragraph_text_without_scripts() -> None:
    # Given an article body as an HTML fragment
    fragment = "<p>First <b>bold</b> paragraph.</p><script>track()</script><p>Second<br>line</p><ul><li>Item</li></ul>"

    # When
    text = html_fragment_text(fragment)

    # Then paragraphs are separated, tags and scripts gone
    assert [block.strip() for block in text.split("\n\n") if block.strip()] == [
        "First bold paragraph.",
        "Second\nline",
        "Item",
    ]

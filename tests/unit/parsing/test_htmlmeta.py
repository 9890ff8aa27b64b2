"""Structured page metadata: JSON-LD first, then OpenGraph and meta tags."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import lxml.html

from newsingest.parsing.htmlmeta import read_page_metadata


def _page(head: str, *, lang: str = "") -> lxml.html.HtmlElement:
    lang_attribute = f' lang="{lang}"' if lang else ""
    return lxml.html.document_fromstring(f"<html{lang_attribute}><head>{head}</head><body><p>x</p></body></html>")


def _jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_jsonld_news_article_gives_headline_authors_date_with_timezone_and_publisher() -> None:
    # Given a NewsArticle node
    tree = _page(
        _jsonld(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": "Ferry  terminal\ndelayed",
                "author": [{"@type": "Person", "name": "Ada Byron"}, {"@type": "Person", "name": "Alan Turing"}],
                "datePublished": "2024-03-01T10:00:00+01:00",
                "publisher": {"@type": "Organization", "name": "Harbour News"},
                "inLanguage": "en-GB",
            }
        )
    )

    # When
    meta = read_page_metadata(tree)

    # Then
    assert meta.headline == "Ferry terminal delayed"
    assert meta.authors == ["Ada Byron", "Alan Turing"]
    assert meta.published_at == datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=1)))
    assert meta.site_names == ["Harbour News"]
    assert meta.language == "en"


def test_jsonld_graph_with_author_references_is_resolved() -> None:
    # Given a Yoast-style @graph where the article points to its author by @id
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://example.org/a#page", "name": "Page name"},
            {
                "@type": "Article",
                "headline": "Graph headline",
                "author": {"@id": "https://example.org/#/person/1"},
                "datePublished": "2024-05-06T07:08:09Z",
            },
            {"@type": "Person", "@id": "https://example.org/#/person/1", "name": "Grace Hopper"},
        ],
    }

    # When
    meta = read_page_metadata(_page(_jsonld(graph)))

    # Then the Article (not the WebPage) is used and the author reference resolves to a name
    assert meta.headline == "Graph headline"
    assert meta.authors == ["Grace Hopper"]
    assert meta.published_at == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_broken_jsonld_is_skipped_and_meta_tags_still_apply() -> None:
    # Given a script that is not valid JSON plus OpenGraph and meta tags
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
        '<meta property="og:title" content="OG title">'
        '<meta property="og:site_name" content="Harbour News">'
        '<meta property="article:published_time" content="2024-03-01T10:00:00Z">'
        '<meta name="author" content="By Ada Byron and Alan Turing">'
        '<link rel="canonical" href="https://example.org/ferry">'
    )

    # When
    meta = read_page_metadata(_page(head, lang="en-US"))

    # Then
    assert meta.headline is None
    assert meta.og_title == "OG title"
    assert meta.site_names == ["Harbour News"]
    assert meta.published_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert meta.authors == ["Ada Byron", "Alan Turing"]
    assert meta.url == "https://example.org/ferry"
    assert meta.language == "en"


def test_jsonld_wrapped_in_an_html_comment_is_read() -> None:
    head = '<script type="application/ld+json"><!-- {"@type": "NewsArticle", "headline": "Wrapped"} --></script>'
    assert read_page_metadata(_page(head)).headline == "Wrapped"


def test_author_given_as_a_profile_url_is_ignored() -> None:
    head = '<meta property="article:author" content="https://facebook.com/someone">'
    assert read_page_metadata(_page(head)).authors == []


def test_naive_published_time_stays_naive() -> None:
    head = _jsonld({"@type": "NewsArticle", "datePublished": "2024-03-01T10:00:00"})
    published = read_page_metadata(_page(head)).published_at
    assert published == datetime(2024, 3, 1, 10)
    assert published is not None and published.tzinfo is None


def test_jsonld_date_wins_over_meta_date() -> None:
    head = '<meta property="article:published_time" content="2020-01-01T00:00:00Z">' + _jsonld(
        {"@type": "NewsArticle", "datePublished": "2024-03-01T10:00:00Z"}
    )
    assert read_page_metadata(_page(head)).published_at == datetime(2024, 3, 1, 10, tzinfo=UTC)


def test_page_without_metadata_gives_empty_fields() -> None:
    meta = read_page_metadata(_page("<title>Only a title</title>"))
    assert (meta.headline, meta.og_title, meta.authors, meta.published_at, meta.url, meta.language) == (
        None,
        None,
        [],
        None,
        None,
        None,
    )


def test_modified_time_description_title_tag_and_site_name_are_read() -> None:
    head = (
        "<title>Ferry delayed | Harbour News</title>"
        '<meta property="og:site_name" content="Harbour News">'
        '<meta name="description" content="The terminal opens in June.">'
        '<meta property="article:modified_time" content="2024-03-02T08:30:00+01:00">'
        + _jsonld({"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Harbour Media Ltd"}})
    )
    meta = read_page_metadata(_page(head))
    assert meta.modified_at == datetime(2024, 3, 2, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert meta.description == "The terminal opens in June."
    assert meta.title_tag == "Ferry delayed | Harbour News"
    assert meta.site_names == ["Harbour News", "Harbour Media Ltd"]


def test_jsonld_date_modified_and_description_win_over_meta_tags() -> None:
    head = '<meta property="og:description" content="OG text">' + _jsonld(
        {"@type": "NewsArticle", "dateModified": "2024-05-06T07:08:09Z", "description": "JSON-LD text"}
    )
    meta = read_page_metadata(_page(head))
    assert (meta.modified_at, meta.description) == (datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "JSON-LD text")


def test_authors_typed_as_organisations_are_kept_apart_from_people() -> None:
    head = _jsonld(
        {
            "@type": "NewsArticle",
            "author": [{"@type": "Person", "name": "Ada Byron"}, {"@type": "Organization", "name": "Wire Desk"}],
        }
    )
    meta = read_page_metadata(_page(head))
    assert (meta.authors, meta.organization_authors) == (["Ada Byron"], ["Wire Desk"])


def test_an_author_named_like_the_site_counts_as_the_organisation() -> None:
    head = '<meta property="og:site_name" content="USA TODAY"><meta name="author" content="USA TODAY">'
    meta = read_page_metadata(_page(head))
    assert (meta.authors, meta.organization_authors) == ([], ["USA TODAY"])


def test_written_by_twitter_label_names_the_author() -> None:
    head = (
        '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Linda Rosencrance">'
        '<meta name="twitter:label2" content="Est. reading time"><meta name="twitter:data2" content="6 minutes">'
    )
    assert read_page_metadata(_page(head)).authors == ["Linda Rosencrance"]


def test_a_written_date_in_a_published_meta_tag_is_read() -> None:
    head = '<meta name="published" content="July 17, 2025">'
    assert read_page_metadata(_page(head)).published_at == datetime(2025, 7, 17)

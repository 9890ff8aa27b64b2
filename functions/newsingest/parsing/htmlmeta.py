"""Metadata a page states for search engines and social previews (JSON-LD, OpenGraph, meta tags):
exact where layout is guessed, and it keeps the publication time's timezone and each author apart."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement

from newsingest.parsing.fields import (
    clean_title,
    normalize_language,
    normalize_url,
    parse_datetime,
    split_authors,
)
from newsingest.parsing.jsonrecord import json_int
from newsingest.parsing.titles import comparable_name

ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
     "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "ScholarlyArticle",
     "TechArticle", "Report", "BlogPosting", "LiveBlogPosting", "SocialMediaPosting", "WebPage"}
)  # fmt: skip
"""`WebPage` is accepted last, for sites that put `headline` and `datePublished` on the page node."""

MAX_JSONLD_DEPTH = 6
"""Article nodes sit a few levels down (`@graph` > node > `mainEntity`); a hostile script no deeper."""

PUBLISHED_TIME_META = (
    # OpenGraph/Facebook first (most common on news sites), then Dublin Core and vendor tags
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
)

MODIFIED_TIME_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "lastmod",
    "last-modified",
    "dcterms.modified",
)

DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")

AUTHOR_LABELS = re.compile(r"^\s*(?:written by|by|author|authors)\s*:?\s*$", re.IGNORECASE)
"""`twitter:labelN` values whose `twitter:dataN` names the author (Yoast and other SEO plugins)."""

MAX_TWITTER_LABELS = 4
"""Twitter cards define label/data pairs 1 and 2; plugins that add more stop at 4."""

ORGANIZATION_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "OnlineBusiness", "Brand"})

_JSONLD_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$|;\s*$")
"""What some CMSs wrap JSON-LD in."""


@dataclass(frozen=True)
class PageMetadata:
    """Every field is None (or empty) when the page lacks it."""

    headline: str | None = None
    og_title: str | None = None
    title_tag: str | None = None
    authors: list[str] = field(default_factory=list)
    organization_authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    modified_at: datetime | None = None
    url: str | None = None
    site_names: list[str] = field(default_factory=list)
    """Most specific first: og:site_name, the JSON-LD publisher, application-name."""
    description: str | None = None
    language: str | None = None


def read_page_metadata(tree: HtmlElement) -> PageMetadata:
    article = _jsonld_article(tree) or {}
    meta = _meta_values(tree)
    canonical = next(
        (link.get("href") for link in tree.iter("link") if "canonical" in (link.get("rel") or "").lower().split()),
        None,
    )
    html_lang = tree.getroottree().getroot().get("lang")
    site_names = _unique(
        clean_title(meta.get("og:site_name")),
        _publisher_name(article),
        clean_title(meta.get("application-name")),
    )
    people, organizations = _jsonld_authors(article.get("author"))
    declared = (
        people
        or split_authors(_unless_url(meta.get("author")))
        or split_authors(_unless_url(meta.get("article:author")))
        or split_authors(_labelled_data(meta, AUTHOR_LABELS))
    )
    # an author named like the site is the publisher credited as author (or a one-person blog):
    # a byline on the page says more, so it goes with the organisations, the last resort
    site_forms = {comparable_name(name) for name in site_names}
    people = [name for name in declared if comparable_name(name) not in site_forms]
    organizations += [name for name in declared if comparable_name(name) in site_forms]
    return PageMetadata(
        headline=clean_title(article.get("headline") or article.get("name")),
        og_title=clean_title(meta.get("og:title") or meta.get("twitter:title")),
        title_tag=clean_title(tree.findtext(".//title")),
        authors=people,
        organization_authors=organizations,
        published_at=parse_datetime(article.get("datePublished")) or _first_time(meta, PUBLISHED_TIME_META),
        modified_at=parse_datetime(article.get("dateModified")) or _first_time(meta, MODIFIED_TIME_META),
        description=clean_title(article.get("description"))
        or next((text for name in DESCRIPTION_META if (text := clean_title(meta.get(name)))), None),
        url=normalize_url(canonical) or normalize_url(meta.get("og:url")) or normalize_url(_first_url(article)),
        site_names=site_names,
        language=normalize_language(article.get("inLanguage"))
        or normalize_language(html_lang)
        or normalize_language(meta.get("content-language"))
        or normalize_language(meta.get("og:locale")),
    )


def _labelled_data(meta: dict[str, str], labels: re.Pattern[str]) -> str | None:
    for index in range(1, MAX_TWITTER_LABELS + 1):
        label = meta.get(f"twitter:label{index}")
        if label is None:
            break
        if labels.match(label):
            return meta.get(f"twitter:data{index}")
    return None


def _first_time(meta: dict[str, str], names: tuple[str, ...]) -> datetime | None:
    return next((parsed for name in names if (parsed := parse_datetime(meta.get(name))) is not None), None)


def _unique(*names: str | None) -> list[str]:
    seen: set[str] = set()
    kept = []
    for name in names:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            kept.append(name)
    return kept


def _jsonld_authors(value: object) -> tuple[list[str], list[str]]:
    items = value if isinstance(value, list) else [value]
    organizations = [item for item in items if isinstance(item, dict) and _types(item) & ORGANIZATION_TYPES]
    people = [item for item in items if not (isinstance(item, dict) and _types(item) & ORGANIZATION_TYPES)]
    return split_authors(people), split_authors(organizations)


def _meta_values(tree: HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attribute)
            if key:
                values.setdefault(key.strip().lower(), content.strip())
    return values


def _unless_url(value: str | None) -> str | None:
    """`article:author` often holds a profile URL rather than a name."""
    return None if value is None or normalize_url(value) else value


def _jsonld_article(tree: HtmlElement) -> dict[str, Any] | None:
    nodes: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(_JSONLD_WRAPPERS.sub("", script.text), strict=False, parse_int=json_int)
        except (json.JSONDecodeError, RecursionError):
            continue  # broken JSON-LD is common; the other sources still apply
        nodes.extend(_walk(data, depth=0))
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    articles = [node for node in nodes if _types(node) & ARTICLE_TYPES]
    # a real article type beats a WebPage node that merely carries a headline
    articles.sort(key=lambda node: _types(node) <= {"WebPage"})
    if not articles:
        return None
    article = dict(articles[0])
    for key in ("author", "publisher"):
        article[key] = _resolve(article.get(key), by_id)
    return article


def _walk(data: object, depth: int) -> Iterator[dict[str, Any]]:
    if depth > MAX_JSONLD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    types = raw if isinstance(raw, list) else [raw]
    return {t.rsplit("/", 1)[-1] for t in types if isinstance(t, str)}


def _resolve(value: object, by_id: dict[str, dict[str, Any]], depth: int = 0) -> object:
    """`{"@id": ...}` references (Yoast-style graphs) as the nodes they name; lists deeper than
    `MAX_JSONLD_DEPTH` as they are (a 2,000-deep list raised RecursionError)."""
    if isinstance(value, list) and depth < MAX_JSONLD_DEPTH:
        return [_resolve(item, by_id, depth + 1) for item in value]
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("@id"), str):
        return by_id.get(value["@id"], value)
    return value


def _publisher_name(article: dict[str, Any]) -> str | None:
    publisher = article.get("publisher")
    if isinstance(publisher, list) and publisher:
        publisher = publisher[0]
    if isinstance(publisher, dict):
        return clean_title(publisher.get("name"))
    return clean_title(publisher)


def _first_url(article: dict[str, Any]) -> str | None:
    for key in ("url", "mainEntityOfPage"):
        value = article.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            return value
    return None

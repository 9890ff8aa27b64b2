"""HTML pages: the main text (see `maintext`) and the metadata readers and search engines see.

The page is parsed once into an lxml tree that every stage reads (the extractors work on their
own copies). Metadata comes from two sides: what the publisher declares (JSON-LD, Open Graph,
`<meta>`: see `htmlmeta`) and what the page shows around its headline (see `titles` and
`pagehead`). Declared values are exact (a timestamp with its timezone, one name per author) but
often SEO variants or missing; shown ones are what the article says about itself. Each field
takes the better of the two:

- title: the `<h1>` headline when one is plausible, else JSON-LD, Open Graph, `<title>`;
- authors: the people declared, else the byline shown, else trafilatura's search for author
  elements anywhere on the page (see `authorsearch`), else an organisation (or the site itself)
  declared as author;
- published: the date in the article's URL path when there is one; else the declared time,
  unless the page shows an earlier date (sites that migrate or republish stamp their pages with
  the new date and keep showing the original one); else the date shown. The date shown is the
  one by the headline or, when there is none there, one the page labels 'Published' anywhere
  (under the article, in a sidebar). Else htmldate's search of the page's markup; else a date
  the page labels 'Updated' anywhere.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import htmldate
import lxml.etree
import trafilatura
from lxml.html import HtmlElement

from newsingest.errors import RejectedInput, RejectReason
from newsingest.parsing.authorsearch import search_author
from newsingest.parsing.fields import MAX_TITLE_WORDS, Extraction, parse_datetime, url_date
from newsingest.parsing.htmlmeta import PageMetadata, read_page_metadata
from newsingest.parsing.maintext import extract_main_text
from newsingest.parsing.pagehead import (
    LabelledDates,
    byline_names,
    is_byline_line,
    labelled_dates,
    read_page_head,
)
from newsingest.parsing.plaintext import PARAGRAPH_SEPARATOR
from newsingest.parsing.repair import repair_markup
from newsingest.parsing.starttags import cap_attributes
from newsingest.parsing.titles import choose_headline, strip_site_name
from newsingest.textpatterns import WORD

LOGGER = logging.getLogger(__name__)


LEADING_PARAGRAPHS = 3
"""Paragraphs at the start of the text checked for a repeated headline and byline lines: the
headline, a standfirst and the byline come first when an extractor keeps them."""

WESTERNMOST_UTC_OFFSET = timedelta(hours=-12)
"""The earliest clock on Earth (UTC-12): a declared instant falls on no earlier calendar date in
any timezone. A shown date before the declared time's date there is an earlier publication; one
on it or after may be the same instant in the timezone the page shows (a page declares UTC and
shows local time). Fixed by the timezones in use, not tuned."""

_DOCUMENT_ELEMENT = re.compile(r"<(?:html|body|head)\b", re.IGNORECASE)
DOCUMENT_ELEMENT_SCAN_CHARS = 64 * 1024
"""A document's `<html>`/`<head>`/`<body>` tags come before its content; 64 KiB covers pages that
start with long inline scripts or styles without scanning all of a large page."""


def extract_html(markup: str, *, url: str | None = None) -> Extraction:
    """Main text and metadata of a web page; text is '' when no article text can be found."""
    tree = _load(markup)
    text = extract_main_text(tree, url=url)
    if not text:
        return Extraction(text="")
    page = read_page_metadata(tree)
    page_url = page.url or url
    headline = choose_headline(tree, _structured_titles(page), page.site_names, page_url)
    head = read_page_head(tree, headline.element, page.site_names, headline.text)
    in_url = url_date(page_url)
    # the whole page is read for labelled dates only when neither the headline nor the URL dates it
    labelled = labelled_dates(tree) if not head.dates and in_url is None else LabelledDates()
    shown = head.dates or ([labelled.published] if labelled.published else [])
    return Extraction(
        text=_without_leading_furniture(text, headline.text),
        title=headline.text,
        authors=page.authors or head.authors or _searched_authors(tree) or page.organization_authors,
        published_at=_published_time(page.published_at, shown, in_url)
        or _searched_date(tree, page_url)
        or _as_datetime(labelled.updated),
        modified_at=page.modified_at,
        url=page_url,
        site_name=page.site_names[0] if page.site_names else None,
        description=page.description,
        declared_language=page.language,
    )


def _without_leading_furniture(text: str, headline: str | None) -> str:
    """The text without the headline and byline lines that extractors starting at the `<h1>`
    include: the title and authors are kept in their own fields."""
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    head, rest = paragraphs[:LEADING_PARAGRAPHS], paragraphs[LEADING_PARAGRAPHS:]
    if headline and head and WORD.findall(head[0].casefold()) == WORD.findall(headline.casefold()):
        head = head[1:]
    kept = ["\n".join(line for line in paragraph.split("\n") if not is_byline_line(line)) for paragraph in head]
    remaining = [paragraph for paragraph in kept + rest if paragraph]
    return PARAGRAPH_SEPARATOR.join(remaining) if remaining else text


def _load(markup: str) -> HtmlElement:
    """Parse the page; a bare fragment ('<p>...</p>') is wrapped in a document first, because
    trafilatura takes a lone top-level element for something that is not HTML."""
    if _DOCUMENT_ELEMENT.search(markup[:DOCUMENT_ELEMENT_SCAN_CHARS]) is None:
        markup = f"<html><body>{markup}</body></html>"
    try:
        tree = trafilatura.load_html(cap_attributes(repair_markup(markup)))
    except (lxml.etree.LxmlError, ValueError, RecursionError) as exc:
        raise RejectedInput(RejectReason.NO_MAIN_TEXT, f"unparseable HTML: {exc}") from exc
    if tree is None:
        raise RejectedInput(RejectReason.NO_MAIN_TEXT, "the document is not parseable HTML")
    return tree


def _structured_titles(page: PageMetadata) -> list[str | None]:
    """JSON-LD headline, og:title and `<title>`, in that order of trust.

    A JSON-LD "headline" longer than a title can be is the start of the text (LinkedIn does
    that) and is skipped. A headline cut short with an ellipsis (some CMSs truncate at 110
    characters, an old search-engine limit) gives way to the og:title it is a prefix of.
    """
    headline = page.headline if page.headline and len(page.headline.split()) <= MAX_TITLE_WORDS else None
    if headline and page.og_title and headline.endswith(("…", "...")):
        stem = headline.rstrip(".…").rstrip()
        if strip_site_name(page.og_title, page.site_names, page.url).startswith(stem):
            headline = None
    return [headline, page.og_title, page.title_tag]


def _published_time(declared: datetime | None, shown: list[date], in_url: date | None = None) -> datetime | None:
    """The publication time from the declared time, the dates shown (next to the headline, or
    labelled 'Published' elsewhere) and the date in the article's URL.

    A date in the URL's path ('/2025/12/18/slug') is the day the article was first published:
    the CMS writes it then and never changes it, while declared and shown dates move with
    updates and timezones. It wins unless the declared time falls on that day (the declared
    time is then kept for its time and timezone). Otherwise the declared time wins unless the
    first date shown is earlier than it in every timezone: then the page was re-dated
    (migrated, republished) and shows when it first appeared. A shown or URL date alone becomes
    a naive midnight.
    """
    if in_url is not None:
        return declared if declared is not None and declared.date() == in_url else _as_datetime(in_url)
    if shown and (declared is None or shown[0] < _earliest_local_date(declared)):
        return _as_datetime(shown[0])
    return declared


def _earliest_local_date(declared: datetime) -> date:
    """The earliest calendar date the declared time falls on anywhere: its date in the
    westernmost timezone when it has a timezone; its own date when it has none (nothing to
    convert from)."""
    if declared.tzinfo is None:
        return declared.date()
    return (declared.astimezone(UTC) + WESTERNMOST_UTC_OFFSET).date()


def _as_datetime(day: date | None) -> datetime | None:
    """A date without a time as a naive midnight, as the dates shown by the headline are."""
    return None if day is None else datetime(day.year, day.month, day.day)


def _searched_authors(tree: HtmlElement) -> list[str]:
    """trafilatura's author search, for pages without a declared author or a byline by the
    headline: it looks for author-classed elements anywhere, minus comment sections."""
    found = search_author(tree)
    return byline_names(found.replace(";", ",")) if found else []


def _searched_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's date for pages that neither declare nor show one next to the headline: it
    searches the URL, `<meta>` and JSON data, date-classed elements and `<time>`s, preferring
    the original date.

    Its extensive search (every text segment, then the whole serialised page) is left out: it
    cost 6 ms a page on average (1.6 s on one page), and on the evaluation pages its extra
    finds were right on 5 dated pages (all found otherwise now: a `published` meta tag, a
    labelled date line, the date by a headline that is not an `<h1>`) and wrong on 7; it also
    dated 67 pages that have no date, 50 of them 1 January (of a copyright year)."""
    try:
        found = htmldate.find_date(tree, url=url, original_date=True, extensive_search=False)
    except (lxml.etree.LxmlError, ValueError, RecursionError) as exc:
        LOGGER.warning("htmldate failed on the page: %s", exc)
        return None
    return parse_datetime(found)

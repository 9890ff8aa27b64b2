"""Malformed markup of the real web: the article on such a page is still found, never an exception.

Article paragraphs are wrapped, page by page, in the faults old and hand-written pages carry: a
`<title>`, `<script>` or `<style>` never closed (libxml2 reads the rest of the page as its text),
nested `<html>` and `<body>`, several bodies, two documents run together, and XHTML served as
HTML (an XML declaration, `xmlns`, CDATA sections, self-closing `<br/>`, `<div/>`, `<script/>`).
Each page must give its paragraphs as main text and its title, or, where it has no article, a
`RejectedInput`: the unclosed `<title>` first showed as an `AssertionError` from lxml.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsingest.errors import RejectedInput, RejectReason
from newsingest.models import Article
from newsingest.parsing import parse_articles
from newsingest.parsing.fragment import html_fragment_text

TITLE = "Council approves new budget for city schools"

SENTENCES = (
    "The city council voted seven to two on Tuesday night to approve a budget that raises spending on schools.",
    "Teachers who had packed the public gallery since the afternoon cheered as the final vote was read out.",
    "The mayor said the plan would pay for two hundred new classroom assistants over the next three years.",
    "Opponents argued that the increase relied on property tax receipts that may fall if the housing market cools.",
    "A separate measure to repair playgrounds in the northern districts was postponed until the spring session.",
    "Parents' groups said they would watch closely how the money is spent before the next election in November.",
    "The finance director warned that rising energy costs could still force cuts to evening classes later this year.",
    "Several councillors asked for a public report every quarter on how many assistants have actually been hired.",
)

MALFORMED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Wrapper = Callable[[list[str]], str]
"""A malformed page (or fragment) holding the given `<p>` elements."""


def _halves(paragraphs: list[str]) -> tuple[str, str]:
    middle = max(1, len(paragraphs) // 2)
    return "".join(paragraphs[:middle]), "".join(paragraphs[middle:])


PAGE_WRAPPERS: dict[str, Wrapper] = {
    "unclosed title before meta": lambda ps: (
        f"<html><head><title>{TITLE}\n<meta http-equiv='Content-Type' content='text/html'></head>"
        f"<body>{''.join(ps)}</body></html>"
    ),
    "unclosed title, no head or body tags": lambda ps: f"<title>{TITLE}\n{''.join(ps)}",
    "unclosed title at the end of the head": lambda ps: (
        f"<HTML><HEAD><TITLE>{TITLE}</HEAD><BODY BGCOLOR=white>{''.join(ps)}</BODY></HTML>"
    ),
    "unclosed script in the head": lambda ps: (
        f"<html><head><title>{TITLE}</title><script>if (a < b) {{ w('<b>x'); }}\n</head>"
        f"<body>{''.join(ps)}</body></html>"
    ),
    "unclosed script before the article": lambda ps: (
        f"<html><head><title>{TITLE}</title></head><body><script>var n = 1 < 2;<div>{''.join(ps)}</div></body></html>"
    ),
    "unclosed script after the article": lambda ps: (
        f"<html><head><title>{TITLE}</title></head><body>{''.join(ps)}<script>track('view');"
    ),
    "unclosed style in the head": lambda ps: (
        f"<html><head><title>{TITLE}</title><style>p {{ color: #333 }}\n</head><body>{''.join(ps)}</body></html>"
    ),
    "unclosed style before the article": lambda ps: (
        f"<html><head><title>{TITLE}</title></head><body><style>.ad {{ display: none }}{''.join(ps)}</body></html>"
    ),
    "nested html": lambda ps: (
        f"<html><head><title>{TITLE}</title></head><body><html><body>{''.join(ps)}</body></html></body></html>"
    ),
    "nested body": lambda ps: (
        f"<html><head><title>{TITLE}</title></head><body><body><div>{''.join(ps)}</div></body></body></html>"
    ),
    "several bodies": lambda ps: "<html><head><title>{}</title></head><body>{}</body><body>{}</body></html>".format(
        TITLE, *_halves(ps)
    ),
    "two documents run together": lambda ps: (
        "<html><head><title>{}</title></head><body>{}</body></html><html><body>{}</body></html>".format(
            TITLE, *_halves(ps)
        )
    ),
    "XHTML served as HTML": lambda ps: (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">'
        f'<head><meta charset="utf-8"/><title>{TITLE}</title><script type="text/javascript" src="a.js"/>'
        "<script>//<![CDATA[\nif (a < b && c) { go(); }\n//]]></script></head>"
        f"<body><div id='top'/><div class='story'>{'<br/>'.join(ps)}<![CDATA[ x ]]><hr/></div></body></html>"
    ),
}

FRAGMENT_WRAPPERS: dict[str, Wrapper] = {
    "a whole document": lambda ps: f"<html><head><title>{TITLE}</title></head><body>{''.join(ps)}</body></html>",
    "unclosed title": lambda ps: f"<title>{TITLE}{''.join(ps)}",
    "unclosed script": lambda ps: f"<script>var n = 1 < 2;<div>{''.join(ps)}</div>",
    "unclosed style": lambda ps: f"<style>.a {{}}{''.join(ps)}",
    "nested html": lambda ps: f"<html><body><html><body>{''.join(ps)}</body></html></body></html>",
    "several bodies": lambda ps: "{}</body><body>{}".format(*_halves(ps)),
    "two documents": lambda ps: "<html><body>{}</body></html><html><body>{}</body></html>".format(*_halves(ps)),
    "content after the body": lambda ps: "<html><body>{}</body>{}</html>".format(*_halves(ps)),
    "XHTML": lambda ps: (
        f'<?xml version="1.0"?><div xmlns="http://www.w3.org/1999/xhtml"><div/>{"<br/>".join(ps)}</div>'
    ),
}

paragraph_lists = st.builds(
    lambda sentences, count: [" ".join(sentences[2 * index : 2 * index + 2]) for index in range(count)],
    st.permutations(SENTENCES),
    st.integers(2, len(SENTENCES) // 2),
)
"""Two to four paragraphs of two news sentences each, no sentence in two of them (as in an article)."""


def _article(page: str) -> Article:
    """The page's one article; any exception fails the test, a rejection included (each page here
    has an article)."""
    [article] = parse_articles(page.encode(), key="a.html")
    return article


@MALFORMED
@given(paragraphs=paragraph_lists, fault=st.sampled_from(sorted(PAGE_WRAPPERS)))
def test_malformed_page_gives_its_paragraphs_and_title(paragraphs: list[str], fault: str) -> None:
    # Given an article's paragraphs in a page with one of the faults of real pages
    page = PAGE_WRAPPERS[fault]([f"<p>{paragraph}</p>" for paragraph in paragraphs])

    # When
    article = _article(page)

    # Then every paragraph is main text, and the title is the page's
    for paragraph in paragraphs:
        assert paragraph in article.text.split("\n\n"), f"{fault}: {paragraph!r} missing"
    assert article.title == TITLE


@MALFORMED
@given(paragraphs=paragraph_lists, fault=st.sampled_from(sorted(FRAGMENT_WRAPPERS)))
def test_malformed_html_body_of_a_record_gives_its_paragraphs(paragraphs: list[str], fault: str) -> None:
    # Given a JSON record whose HTML body has one of the faults (or is a whole page)
    body = FRAGMENT_WRAPPERS[fault]([f"<p>{paragraph}</p>" for paragraph in paragraphs])

    # When
    text = html_fragment_text(body)
    [article] = parse_articles(json.dumps({"title": TITLE, "body": body}).encode(), key="a.json")

    # Then the paragraphs are the text, each one paragraph, and nothing of the head is
    assert text.split("\n\n") == paragraphs, fault
    assert article.text == text and article.title == TITLE


@pytest.mark.parametrize(
    "page",
    [
        f"<html><head><title>{TITLE}",
        f"<html><head><title>{TITLE}</head></html>",
        "<html><head><title>Home</title></head><frameset><frame src='a.html'><frame src='b.html'></frameset></html>",
        f"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><head><title>{TITLE}</title></head></html>",
    ],
    ids=["title to the end", "title and head only", "frameset", "XHTML head only"],
)
def test_malformed_page_without_an_article_is_rejected_for_having_no_main_text(page: str) -> None:
    # Given a page with no article text outside its head (or swallowed by its title to the end)
    # When / Then
    with pytest.raises(RejectedInput) as rejection:
        parse_articles(page.encode(), key="a.html")
    assert rejection.value.reason == RejectReason.NO_MAIN_TEXT
    assert rejection.value.message.strip()

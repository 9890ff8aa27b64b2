"""Main text: trafilatura first, readability's text where trafilatura stopped early or ran on."""

from __future__ import annotations

import lxml.html
import pytest

from newsingest.parsing import maintext, thirdparty
from newsingest.parsing.maintext import coverage, extract_main_text

SENTENCES = [
    "The harbour authority confirmed on Monday that the new ferry terminal will open in June.",
    "That is two years later than planned, after a long dispute over the cost of dredging.",
    "Operators said the delay had cost them thousands of passengers over the winter months.",
    "The regional council has asked for an independent review of how the contract was managed.",
    "The contractor must finish dredging the approach channel by the end of April this year.",
    "The first sailings are planned for the second week of June, subject to safety inspections.",
    "Commuters who bought season tickets in advance will be offered refunds or longer passes.",
    "A spokesperson for the operator said timetables would be published early in May.",
]


def _tree(body: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body>{body}</body></html>")


def test_coverage_is_the_share_of_word_4grams_found_in_the_container() -> None:
    assert coverage("a b c d e", "x a b c d e y") == 1.0
    assert coverage("a b c d e", "a b c d") == 0.5
    assert coverage("too short", "anything") == 1.0


def test_plain_article_page_gives_its_paragraphs() -> None:
    tree = _tree("<article>" + "".join(f"<p>{s}</p>" for s in SENTENCES[:3]) + "</article>")
    assert extract_main_text(tree) == "\n\n".join(SENTENCES[:3])


def test_readability_text_replaces_a_shorter_trafilatura_text_it_contains(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given trafilatura returning the first half of what readability returns
    full = "\n\n".join(SENTENCES)
    monkeypatch.setattr(maintext, "_trafilatura_text", lambda *_args, **_kwargs: "\n\n".join(SENTENCES[:4]))
    monkeypatch.setattr(maintext, "_readability_text", lambda _tree: full)

    # When / Then
    assert extract_main_text(_tree("<p>" + " ".join(SENTENCES) + "</p>")) == full


def test_a_longer_readability_text_about_something_else_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given readability's text twice as long but not containing trafilatura's (a comment thread)
    primary = "\n\n".join(SENTENCES[:2])
    other = "\n\n".join(f"Comment {i}: I disagree with the council about the ferry and its costs." for i in range(9))
    monkeypatch.setattr(maintext, "_trafilatura_text", lambda *_args, **_kwargs: primary)
    monkeypatch.setattr(maintext, "_readability_text", lambda _tree: other)

    # When / Then
    assert extract_main_text(_tree("<p>" + " ".join(SENTENCES) + other + "</p>")) == primary


def test_trailing_paragraphs_readability_leaves_out_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given both extractors agreeing on the article, trafilatura adding two teasers at its end
    teasers = [
        "Bridge closure to last all summer, say engineers working on the deck",
        "Bus fares rise by five percent in April across the whole county network",
    ]
    monkeypatch.setattr(maintext, "_trafilatura_text", lambda *_args, **_kwargs: "\n\n".join(SENTENCES + teasers))
    monkeypatch.setattr(maintext, "_readability_text", lambda _tree: "\n\n".join(SENTENCES))

    # When
    text = extract_main_text(_tree("<p>" + " ".join(SENTENCES + teasers) * 2 + "</p>"))

    # Then
    assert text == "\n\n".join(SENTENCES)


def test_readability_is_not_run_when_the_page_has_no_more_text_than_trafilatura_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a page that is all article
    def fail(_tree: lxml.html.HtmlElement) -> str:
        raise AssertionError("readability should not run")

    monkeypatch.setattr(maintext, "_readability_text", fail)

    # When / Then
    assert extract_main_text(_tree("<article>" + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</article>"))


def test_page_without_article_text_gives_empty_text() -> None:
    assert extract_main_text(_tree("<nav><a href='/'>Home</a></nav>")) == ""


def test_readability_on_one_copy_gives_what_readability_lxml_gives() -> None:
    # Given a page with hidden parts, inline styles, scripts, comments and links
    from readability import Document

    body = (
        "<div hidden><p>Hidden teaser text that is not shown to readers at all.</p></div>"
        "<div style='display: none'><p>Another hidden block of text.</p></div>"
        "<script>var x = 1;</script><!-- a comment --><link rel='stylesheet' href='/s.css'>"
        f"<div class='article' style='color: red'>{''.join(f'<p>{s}</p>' for s in SENTENCES)}</div>"
        "<div class='sidebar'><a href='javascript:void(0)'>Share</a></div>"
        "<div id='Comments'><p>A reader's comment that readability drops as unlikely.</p></div>"
        "<pre class='footer-code'>print('kept: inside pre')</pre>"
        "<div class='sidebar-wrap'><article><p>An article inside a sidebar class is kept.</p></article></div>"
        "<div class='menu main-content'><p>Unlikely and likely names: kept.</p></div>"
    )
    tree = _tree(body)
    before = lxml.html.tostring(tree)

    # When
    ours = thirdparty.Readability(tree).summary(html_partial=True)

    # Then: the same summary as readability-lxml's own preparation, and the page is untouched
    assert ours == Document(_tree(body)).summary(html_partial=True)
    assert lxml.html.tostring(tree) == before


def test_trafilatura_runs_without_its_own_readability_pass_which_is_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given trafilatura's readability pass, watched
    import trafilatura.external

    calls: list[object] = []
    original = trafilatura.external.try_readability

    def watched(tree: object) -> object:
        calls.append(tree)
        return original(tree)

    monkeypatch.setattr(trafilatura.external, "try_readability", watched)

    # When
    text = maintext._trafilatura_text(_tree("".join(f"<p>{s}</p>" for s in SENTENCES)), None)

    # Then: the text is extracted without that pass, and the pass is back in place afterwards
    assert SENTENCES[0] in text
    assert calls == []
    assert trafilatura.external.try_readability is watched

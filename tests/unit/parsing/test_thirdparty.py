"""The patches on third-party internals (`parsing/thirdparty.py`) still fit what they patch: an
upgrade of trafilatura, jusText or readability-lxml that changes a patched name's signature or
behaviour fails here, loudly, before it changes the extraction silently."""

from __future__ import annotations

import inspect
from importlib.metadata import PackageNotFoundError
from typing import Any

import justext.core
import lxml.html
import pytest
import trafilatura
import trafilatura.external
from hypothesis import given
from hypothesis import strategies as st
from readability import Document

from newsingest.parsing import thirdparty

PAGE = (
    "<html><body><nav class='menu'>Home | World | Sport</nav><div class='article'>"
    + "".join(
        f"<p>Paragraph {n} of the article says that the council approved the budget for the city's schools.</p>"
        for n in range(8)
    )
    + "</div><div id='comments'><p>A reader's comment on the budget vote.</p></div></body></html>"
)


def _parameters(function: Any) -> list[tuple[str, object]]:
    return [(name, parameter.default) for name, parameter in inspect.signature(function).parameters.items()]


def test_installed_versions_are_the_ones_the_patches_were_tested_with() -> None:
    assert thirdparty.untested_versions() == {}, "re-check every patch in parsing/thirdparty.py, then TESTED_VERSIONS"


def test_an_untested_version_warns_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(thirdparty, "version", lambda name: "99.0.0")
    with pytest.warns(thirdparty.UntestedVersionWarning, match="tested with"):
        thirdparty._warn_on_untested_versions()


def test_a_library_without_metadata_warns_instead_of_failing_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(thirdparty, "version", missing)
    with pytest.warns(thirdparty.UntestedVersionWarning, match="unknown"):
        thirdparty._warn_on_untested_versions()


def test_trafilatura_s_patched_functions_keep_their_signatures() -> None:
    assert _parameters(trafilatura.external.try_readability) == [("htmlinput", inspect.Parameter.empty)]
    assert _parameters(trafilatura.external.revise_paragraph_classification) == _parameters(
        justext.core.revise_paragraph_classification
    )
    assert [name for name, _ in _parameters(justext.core.revise_paragraph_classification)] == [
        "paragraphs",
        "max_heading_distance",
    ]
    assert [name for name, _ in _parameters(thirdparty.revise_paragraph_classification)] == [
        "paragraphs",
        "max_heading_distance",
    ]


def test_trafilatura_still_calls_the_patched_names_through_its_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given trafilatura's readability pass and jusText revision, watched where the patch swaps them
    called: list[str] = []
    for name in thirdparty.TRAFILATURA_REPLACEMENTS:
        original = getattr(trafilatura.external, name)

        def watched(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            called.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(trafilatura.external, name, watched)

    # When a short page (too short for trafilatura's own extraction) is extracted unpatched
    trafilatura.bare_extraction(lxml.html.document_fromstring("<html><body><p>Short text.</p></body></html>"))

    # Then both names are looked up in trafilatura.external at call time, so swapping them works
    assert set(called) == set(thirdparty.TRAFILATURA_REPLACEMENTS)


def test_patched_trafilatura_swaps_the_functions_and_restores_them() -> None:
    originals = {name: getattr(trafilatura.external, name) for name in thirdparty.TRAFILATURA_REPLACEMENTS}
    with thirdparty.patched_trafilatura():
        for name, replacement in thirdparty.TRAFILATURA_REPLACEMENTS.items():
            assert getattr(trafilatura.external, name) is replacement
        assert len(thirdparty._nothing_found(lxml.html.document_fromstring(PAGE))) == 0
    assert {name: getattr(trafilatura.external, name) for name in originals} == originals


def test_readability_s_overridden_methods_keep_their_signatures_and_are_still_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _parameters(Document._parse) == [("self", inspect.Parameter.empty), ("input", inspect.Parameter.empty)]
    assert _parameters(Document.remove_unlikely_candidates) == [("self", inspect.Parameter.empty)]
    assert {"displayNoneRe", "unlikelyCandidatesRe", "okMaybeItsACandidateRe"} <= set(thirdparty.READABILITY_PATTERNS)

    called: list[str] = []
    for name in ("_parse", "remove_unlikely_candidates"):
        original = getattr(thirdparty.Readability, name)

        def watched(self: Any, *args: Any, _name: str = name, _original: Any = original) -> Any:
            called.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(thirdparty.Readability, name, watched)
    thirdparty.Readability(lxml.html.document_fromstring(PAGE)).summary(html_partial=True)
    assert {"_parse", "remove_unlikely_candidates"} <= set(called)


def test_readability_patch_gives_readability_s_own_summary_on_a_tiny_page() -> None:
    ours = thirdparty.Readability(lxml.html.document_fromstring(PAGE)).summary(html_partial=True)
    assert ours == Document(lxml.html.document_fromstring(PAGE)).summary(html_partial=True)
    assert "council approved" in ours and "reader's comment" not in ours


# A page where readability rewrites <div>s: block-free ones, inline runs between blocks, loose
# text and tails, a comment holding a block tag, tags that begin with a block tag's name.
MISUSED_DIVS_PAGE = (
    "<html><body><div class='story'>Lead text of the story, with enough words to be scored at all."
    "<div>A block-free div that readability turns into a paragraph about the council's budget.</div>"
    "<span>An inline run</span> <b>with <i>nested</i> tags</b><br>after a break, "
    "<span>and a span <div>holding a block</div></span> tail text after it, long enough to count."
    "<div><!-- <div>in a comment</div> --><em>emphasis only</em></div>"
    "<div><span><picture><img src='a.jpg'></picture></span> caption of the picture</div>"
    "<div><param name='x'><abbr title='<div>'>abbr</abbr></div>"
    + "".join(
        f"<div>Paragraph {n} of the story, in a div of its own, about the schools' budget.</div>" for n in range(6)
    )
    + "</div></body></html>"
)


@pytest.mark.parametrize("page", [PAGE, MISUSED_DIVS_PAGE])
def test_readability_patch_rewrites_divs_as_readability_does(page: str) -> None:
    theirs = Document(lxml.html.document_fromstring(page))
    theirs._html(True)
    Document.transform_misused_divs_into_paragraphs(theirs)
    ours = thirdparty.Readability(lxml.html.document_fromstring(page))
    ours._html(True)
    ours.transform_misused_divs_into_paragraphs()
    assert lxml.html.tostring(ours.html) == lxml.html.tostring(theirs.html)


@pytest.mark.parametrize(
    "text",
    ["", "  one line  ", "a\nb", " a \t b ", "a  b", "a\u00a0\u00a0b", "x" + " \u00a0" * 130 + "y", "\r\n x \n\n y\t"],
)
def test_readability_clean_is_readabilitys_clean(text: str) -> None:
    assert thirdparty.readability_clean(text) == thirdparty._READABILITY_CLEAN(text)


@given(st.text(alphabet=" \t\n\r\u00a0\u2003ab,", max_size=600))
def test_readability_clean_is_readabilitys_clean_on_any_whitespace(text: str) -> None:
    assert thirdparty.readability_clean(text) == thirdparty._READABILITY_CLEAN(text)


def test_readability_summary_swaps_its_module_functions_and_restores_them() -> None:
    import readability.readability as readability_module

    originals = {name: getattr(readability_module, name) for name in thirdparty.READABILITY_REPLACEMENTS}
    seen: dict[str, object] = {}

    class Watched(thirdparty.Readability):
        def score_paragraphs(self) -> Any:
            seen.update({name: getattr(readability_module, name) for name in originals})
            return super().score_paragraphs()

    ours = Watched(lxml.html.document_fromstring(MISUSED_DIVS_PAGE)).summary(html_partial=True)
    assert seen == thirdparty.READABILITY_REPLACEMENTS
    assert {name: getattr(readability_module, name) for name in originals} == originals
    assert ours == Document(lxml.html.document_fromstring(MISUSED_DIVS_PAGE)).summary(html_partial=True)

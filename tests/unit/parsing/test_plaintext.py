"""Plain-text articles: title line, byline, paragraphs, and the site furniture that must go."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsingest.parsing.plaintext import parse_plaintext, text_paragraphs

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    return [line.strip() for line in _fixture(name).splitlines() if line.strip()]


# --- the Express sample -------------------------------------------------------------------------

SAMPLE = "belarus-russia-alliance.txt"
SAMPLE_FURNITURE = [
    # the consent notice, the promo, the related-link list and the aggregator footer
    "We use your sign-up to provide content",
    "JUST IN:",
    "‘Real problem’ Europe threatened by further crisis over another major Russian export",
    "Lord Sugar’s blunt response",
    "Max Verstappen infuriated Italian press",
    "[LATEST]",
    "[INSIGHT]",
    "[ANALYSIS]",
    "Source: Read Full Article",
]


def test_sample_title_is_the_first_line() -> None:
    extraction = parse_plaintext(_fixture(SAMPLE))
    assert extraction.title == "Belarus-Russia: History of alliance explained as Putin ‘will do anything’ to keep power"


@pytest.mark.parametrize("furniture", SAMPLE_FURNITURE)
def test_sample_furniture_is_removed(furniture: str) -> None:
    assert furniture not in parse_plaintext(_fixture(SAMPLE)).text


def test_sample_keeps_every_body_paragraph_including_quotations() -> None:
    # Given the sample's body lines: everything after the consent notice that is not furniture
    lines = _lines(SAMPLE)
    body = [line for line in lines[3:] if not any(f in line for f in SAMPLE_FURNITURE)]

    # When the sample is parsed
    paragraphs = parse_plaintext(_fixture(SAMPLE)).text.split("\n\n")

    # Then each body line is one paragraph, in order, the quotation paragraphs among them
    assert paragraphs == [" ".join(line.split()) for line in body]
    assert sum(p.startswith("“") for p in paragraphs) == 6


def test_sample_video_promo_between_title_and_consent_notice_is_dropped() -> None:
    # The second line is the headline of another story (an embedded video), not a standfirst
    assert "Belarus urged to refrain from aiding Russia" not in parse_plaintext(_fixture(SAMPLE)).text


# --- a local paper, one paragraph per line ------------------------------------------------------

RIVERTON = "riverton-flood-budget.txt"


@pytest.mark.parametrize(
    "furniture",
    [
        "Share this article",
        "Advertisement",
        "Related: Residents count the cost of the January floods",
        "Click here to subscribe to our daily briefing",
        "Follow us on Facebook and X for the latest local news",
        "© 2024 Riverton Gazette Media Ltd",
    ],
)
def test_line_separated_article_loses_its_furniture(furniture: str) -> None:
    assert furniture not in parse_plaintext(_fixture(RIVERTON)).text


def test_line_separated_article_keeps_each_body_line_as_a_paragraph() -> None:
    # When the article is parsed
    extraction = parse_plaintext(_fixture(RIVERTON))

    # Then the title is the first line and the six body lines are the paragraphs
    assert extraction.title == "City council approves record budget for flood defences"
    paragraphs = extraction.text.split("\n\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("The Riverton city council on Tuesday approved a record £48m budget")
    assert (
        paragraphs[2]
        == "“We cannot ask people to keep bailing out their living rooms,” said council leader Priya Natarajan."
    )
    assert paragraphs[3] == "“This budget is the largest single investment in the town’s history, and it is overdue.”"
    assert paragraphs[5] == "Work on the first embankment is due to start in the spring and to finish by 2027."


# --- a wire story, hard-wrapped at 72 columns ---------------------------------------------------

BALTIC = "baltic-shipwreck-wrapped.txt"


@pytest.mark.parametrize(
    "furniture",
    [
        "(Image: Baltic Heritage Institute)",
        "READ MORE: Divers find medieval coins near Visby harbour",
        "Story continues below advertisement",
        "Sign up to our newsletter for weekly science news",
        "Copyright 2024 Nordic Science Wire",
    ],
)
def test_wrapped_article_loses_its_furniture(furniture: str) -> None:
    assert furniture not in parse_plaintext(_fixture(BALTIC)).text


def test_wrapped_paragraphs_are_rejoined_into_single_lines() -> None:
    # When the hard-wrapped article is parsed
    paragraphs = parse_plaintext(_fixture(BALTIC)).text.split("\n\n")

    # Then each blank-line-separated block is one paragraph on one line
    assert len(paragraphs) == 4
    assert all("\n" not in p for p in paragraphs)
    assert paragraphs[0] == (
        "Marine archaeologists have completed the first detailed survey of a merchant ship that sank off "
        "the Swedish island of Gotland more than 800 years ago, making it the oldest wreck yet found in "
        "the Baltic Sea."
    )
    assert paragraphs[2].startswith('"It is astonishingly intact," said Dr Anna Berg')


def test_byline_after_the_title_gives_the_authors_and_leaves_the_text() -> None:
    # When the wire story is parsed
    extraction = parse_plaintext(_fixture(BALTIC))

    # Then the byline is read as the author and not kept as a paragraph
    assert extraction.authors == ["Tomas Lindqvist"]
    assert "By Tomas Lindqvist" not in extraction.text


# --- general rules ------------------------------------------------------------------------------


def test_standfirst_sentence_after_the_title_is_kept() -> None:
    # Given a title, a standfirst that is a sentence, a notice, then the body
    text = (
        "Rail strike called off\n\n"
        "Unions accepted a 6% pay offer late on Sunday.\n\n"
        "We use cookies to improve your experience.\n\n"
        "Trains will run as normal from Monday morning, the operator said."
    )

    # When / Then
    assert parse_plaintext(text).text.startswith("Unions accepted a 6% pay offer late on Sunday.")


def test_headline_shaped_line_followed_directly_by_body_is_kept() -> None:
    # Given a subheading after the title with no furniture before the body
    text = "Rail strike called off\n\nWhat happens next\n\nTrains will run as normal from Monday, the operator said."

    # When / Then
    assert parse_plaintext(text).text.split("\n\n")[0] == "What happens next"


def test_a_single_paragraph_text_has_no_title() -> None:
    # Given one paragraph only
    text = "Trains will run as normal from Monday morning, the operator said after unions accepted the offer."

    # When it is parsed
    extraction = parse_plaintext(text)

    # Then the paragraph is the text rather than the title
    assert (extraction.title, extraction.text) == (None, text)


def test_a_long_first_paragraph_is_not_taken_for_a_title() -> None:
    # Given text whose first line is a long paragraph (more words than any headline)
    first = " ".join(["word"] * 40) + "."
    text = f"{first}\n\nSecond paragraph."

    # When / Then
    assert parse_plaintext(text).title is None


def test_a_sentence_broken_across_lines_is_rejoined() -> None:
    # Given a sentence broken mid-way (next line starts in lower case) in a line-separated text
    text = "Title here\n\nThe minister said the plan\nwould be published in May.\nIt was not."

    # When / Then
    assert parse_plaintext(text).text == "The minister said the plan would be published in May.\n\nIt was not."


def test_whitespace_and_invisible_characters_are_normalised() -> None:
    # Given no-break spaces, tabs, a zero-width space and Windows line endings
    text = "Title\u00a0 here\r\n\r\nThe\tcouncil\u00a0met on\u200b Tuesday .\r\n"

    # When
    extraction = parse_plaintext(text)

    # Then
    assert (extraction.title, extraction.text) == ("Title here", "The council met on Tuesday .")


def test_text_of_only_furniture_is_empty() -> None:
    assert parse_plaintext("Advertisement\n\nShare this article\n\n© 2024 Publisher").text == ""


def test_body_paragraphs_have_no_title_line_and_lose_furniture() -> None:
    # Given a JSON record's body
    body = "First paragraph of the body.\n\nAdvertisement\n\nSecond paragraph."

    # When / Then: the first line is kept as text, not taken as a title
    assert text_paragraphs(body) == ["First paragraph of the body.", "Second paragraph."]

"""Plain-text articles: title line, byline, paragraphs, and the site furniture that must go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


# --- every sample, line by line: what must go, and that nothing else is lost ------------------


@dataclass(frozen=True)
class Sample:
    """A plain-text fixture: its title and byline lines, and its furniture lines (whole lines)."""

    title: str
    must_go: tuple[str, ...]
    byline: str | None = None
    must_stay: tuple[str, ...] = ()


SAMPLES = {
    "belarus-russia-alliance.txt": Sample(
        title="Belarus-Russia: History of alliance explained as Putin ‘will do anything’ to keep power",
        must_go=(
            "Ukraine: Belarus urged to refrain from aiding Russia by NATO",
            "We use your sign-up to provide content in ways you’ve consented to and to improve our understanding "
            "of you. This may include adverts from us and 3rd parties based on our understanding. You can "
            "unsubscribe at any time. More info",
            "JUST IN: Putin final lifeline ruined as £100bn ‘fortress Russia’ about to CRUMBLE – gold stash hit",
            "‘Real problem’ Europe threatened by further crisis over another major Russian export [LATEST]",
            "Lord Sugar’s blunt response to ‘sickening’ world of political correctness [INSIGHT]",
            "Max Verstappen infuriated Italian press after claiming Ferrari were ‘cheating’ [ANALYSIS]",
            "Source: Read Full Article",
        ),
        must_stay=(
            "She wrote: “Such a union would entail a common legal system, foreign policy, joint defence and energy "
            "regulations.",
            "“Simply put, a buffer between Russia and the EU would no longer exist. More importantly, Belarus would "
            "lose the last traces of its sovereignty.”",
        ),
    ),
    "riverton-flood-budget.txt": Sample(
        title="City council approves record budget for flood defences",
        must_go=(
            "Share this article",
            "Advertisement",
            "Related: Residents count the cost of the January floods",
            "Click here to subscribe to our daily briefing",
            "Follow us on Facebook and X for the latest local news",
            "© 2024 Riverton Gazette Media Ltd",
        ),
    ),
    "baltic-shipwreck-wrapped.txt": Sample(
        title="Researchers map the oldest known shipwreck in the Baltic",
        byline="By Tomas Lindqvist",
        must_go=(
            "(Image: Baltic Heritage Institute)",
            "READ MORE: Divers find medieval coins near Visby harbour",
            "Story continues below advertisement",
            "Sign up to our newsletter for weekly science news",
            "Copyright 2024 Nordic Science Wire. All rights reserved.",
        ),
    ),
    "lakeside-ferry-us-local.txt": Sample(
        title="Lakeside ferry service to resume after two-month shutdown",
        byline="By Dana Whitfield and Marcus Lee",
        must_go=(
            "ADVERTISEMENT",
            "Sign up for our newsletter to get the latest local news delivered to your inbox every morning.",
            "RELATED STORIES:",
            "Island residents demand answers over ferry shutdown",
            "Water taxi fares double as demand soars",
            "Photo credit: Lakeside County Transit",
            "Download the KLKS News app for breaking news alerts.",
            "Copyright 2024 by KLKS - All rights reserved.",
        ),
        must_stay=('"People have been getting to work on a boat that holds twelve," said board chair Rosa Delgado.',),
    ),
    "northsea-wind-uk-broadsheet.txt": Sample(
        title="Offshore wind farm approved despite fishing industry objections",
        must_go=(
            "Photograph: Harriet Cole/PA",
            "Sign up to First Edition, our free daily newsletter – every weekday morning at 7am",
            "Privacy Notice: Newsletters may contain info about charities, online ads, and content funded by outside "
            "parties. For more information see our Privacy Policy.",
            "after newsletter promotion",
            "Share on Facebook",
            "Share on Twitter",
            "Topics",
            "Reuse this content",
            "Most viewed",
        ),
    ),
    "harbor-city-transit-metered.txt": Sample(
        title="Transit agency delays fare increase after riders pack hearing",
        byline="By Priya Raman",
        must_go=(
            "You have read 2 of your 3 free articles this month.",
            "Subscribe to continue reading",
            "Already have an account? Log in",
            "Unlimited digital access to the Harbor City Ledger",
            "(Visited 4,312 times, 87 visits today)",
            "Previous Next",
            "This article is for paid subscribers only.",
        ),
        must_stay=('"We heard the riders loud and clear," said board chair Elena Ortiz.',),
    ),
    "chip-export-blog-wordpress.txt": Sample(
        title="New export rules leave chip start-ups guessing",
        byline="Posted on 14 May 2024 by Lena Ortiz",
        must_go=(
            "Tags: semiconductors, export controls, start-ups",
            "Share this:",
            "Twitter",
            "Facebook",
            "LinkedIn",
            "Like this:",
            "Like Loading...",
            "Related",
            "Leave a comment",
        ),
        must_stay=(
            "A trade lawyer said most small firms would apply for licences",  # the body after a bare 'Related'
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_furniture_lines_all_go(name: str) -> None:
    # Given a sample and its furniture lines
    sample = SAMPLES[name]
    lines = [" ".join(line.split()) for line in _lines(name)]
    assert all(line in lines for line in sample.must_go), "every must-go line is a line of the sample"

    # When
    text = parse_plaintext(_fixture(name)).text

    # Then no furniture line is left, whole or in part
    kept_lines = text.splitlines()
    for line in sample.must_go:
        assert line not in text.replace("\n\n", "\n").split("\n")
        assert all(line not in kept for kept in kept_lines)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_body_lines_all_stay_in_order(name: str) -> None:
    # Given every line of the sample that is neither furniture, the title nor the byline
    sample = SAMPLES[name]
    lines = [" ".join(line.split()) for line in _lines(name)]
    body = [line for line in lines if line not in sample.must_go and line not in (sample.title, sample.byline)]

    # When
    extraction = parse_plaintext(_fixture(name))

    # Then each is in the text, in the sample's order (wrapped lines rejoined into their paragraph)
    position = 0
    for line in body:
        found = extraction.text.find(line, position)
        assert found >= 0, f"body line lost: {line!r}"
        position = found
    for line in sample.must_stay:
        assert line in extraction.text
    assert extraction.title == sample.title


def test_byline_with_a_date_gives_authors_and_the_publication_date() -> None:
    extraction = parse_plaintext(_fixture("chip-export-blog-wordpress.txt"))
    assert extraction.authors == ["Lena Ortiz"]
    assert extraction.published_at == datetime(2024, 5, 14)


def test_two_names_in_a_byline_give_two_authors() -> None:
    assert parse_plaintext(_fixture("lakeside-ferry-us-local.txt")).authors == ["Dana Whitfield", "Marcus Lee"]


def test_a_bare_related_label_takes_only_the_headline_shaped_lines_under_it() -> None:
    # Given a 'Related' label followed by a sentence of the article
    text = "Ferry delayed\n\nFirst paragraph of the story.\n\nRelated\n\nThe council will meet again on Friday."

    # When / Then
    assert parse_plaintext(text).text == "First paragraph of the story.\n\nThe council will meet again on Friday."

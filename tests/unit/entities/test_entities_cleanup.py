"""Span clean-up: the model's span trimmed to the name, or dropped when it holds none."""

from __future__ import annotations

import pytest

from newsingest.entities.cleanup import HONORIFICS, clean_span, is_shouted_word, normal_case_words
from newsingest.models import EntityType


def cleaned(text: str, entity_type: EntityType = EntityType.PERSON) -> str | None:
    """The cleaned name when the model's span is the whole `text`."""
    offsets = clean_span(text, 0, len(text), entity_type)
    return None if offsets is None else text[offsets[0] : offsets[1]]


@pytest.mark.parametrize(
    ("span", "name"),
    [
        ("Mr Stoltenberg", "Stoltenberg"),
        ("Ms Bickauskaite", "Bickauskaite"),
        ("Dr. Anthony Fauci", "Anthony Fauci"),
        ("Secretary-General Jens Stoltenberg", "Jens Stoltenberg"),
        ("Prime Minister Rishi Sunak", "Rishi Sunak"),
        ("President Dr Jane Doe", "Jane Doe"),
        ("Sir Keir Starmer", "Keir Starmer"),
    ],
)
def test_titles_are_stripped_from_people(span: str, name: str) -> None:
    # Given a person's span that starts with a title, When cleaned, Then the title is gone
    assert cleaned(span) == name


def test_titles_stay_when_they_are_the_whole_span_or_the_entity_is_no_person() -> None:
    # Given a bare title, a company named like a title, and a peer known by title
    # Then nothing is stripped from them
    assert cleaned("President") == "President"
    assert cleaned("General Motors", EntityType.ORGANIZATION) == "General Motors"
    assert cleaned("Lord Sugar") == "Lord Sugar"
    assert cleaned("King Charles") == "King Charles"


def test_honorifics_are_a_tuple_of_capitalised_titles() -> None:
    # Then the constant is a tuple (ordered, immutable) of capitalised words
    assert isinstance(HONORIFICS, tuple)
    assert all(title[0].isupper() for title in HONORIFICS)


@pytest.mark.parametrize(
    ("span", "entity_type", "name"),
    [
        ("the Soviet Union", EntityType.LOCATION, "Soviet Union"),
        ("The Washington Post", EntityType.ORGANIZATION, "Washington Post"),
        ("Belarus’s", EntityType.LOCATION, "Belarus"),
        ("Russia's", EntityType.LOCATION, "Russia"),
        ("Mr Stoltenberg’s", EntityType.PERSON, "Stoltenberg"),
        ("Jones'", EntityType.PERSON, "Jones"),
        ("“Nato”", EntityType.ORGANIZATION, "Nato"),
        ("[NATO]", EntityType.ORGANIZATION, "NATO"),
        ("‘Kremlin’,", EntityType.ORGANIZATION, "Kremlin"),
        ("Islamic State (ISIL)", EntityType.ORGANIZATION, "Islamic State (ISIL)"),
        ("Islamic State (", EntityType.ORGANIZATION, "Islamic State"),
        ("Reuters)", EntityType.ORGANIZATION, "Reuters"),
        ("U.S.", EntityType.LOCATION, "U.S."),
        ("Sammy Davis Jr.", EntityType.PERSON, "Sammy Davis Jr."),
        ("Brussels.", EntityType.LOCATION, "Brussels"),
    ],
)
def test_articles_possessives_and_surrounding_punctuation_are_trimmed(
    span: str, entity_type: EntityType, name: str
) -> None:
    # Given a span with a leading "the", a possessive, quotes or brackets
    # When cleaned, Then only the name remains; balanced brackets and abbreviation stops stay
    assert cleaned(span, entity_type) == name


def test_offsets_are_those_of_the_trimmed_name_in_the_text() -> None:
    # Given a sentence and the model's span "Mr Stoltenberg’s" in it
    text = "Later, Mr Stoltenberg’s office said so."
    start = text.index("Mr")

    # When cleaned
    offsets = clean_span(text, start, start + len("Mr Stoltenberg’s"), EntityType.PERSON)

    # Then the offsets index "Stoltenberg" in the original text
    assert offsets is not None
    assert text[offsets[0] : offsets[1]] == "Stoltenberg"


def test_a_span_across_a_line_break_keeps_its_longer_line() -> None:
    # Given a span that joins a section tag to the next line's name
    text = "[LATEST]\nLord Sugar’s response"

    # When cleaned, Then only the name on the longer line remains
    offsets = clean_span(text, 1, text.index(" response"), EntityType.PERSON)
    assert offsets is not None
    assert text[offsets[0] : offsets[1]] == "Lord Sugar"


@pytest.mark.parametrize("span", ["JUST", "JUST IN", "CRUMBLE", "FURIOUS", "WATCH", "x", "A", "‘", "1999", "us"])
def test_shouting_single_characters_numbers_and_lowercase_words_are_no_names(span: str) -> None:
    # Given spans the model mislabels, When cleaned, Then they are dropped
    assert cleaned(span, EntityType.ORGANIZATION) is None


@pytest.mark.parametrize("word", ["NATO", "US", "WHO", "UNICEF", "NHS", "IAEA", "G7", "BBC"])
def test_acronyms_are_not_shouting(word: str) -> None:
    # Given listed acronyms, short unlisted ones and mixed-case words: Then none is shouting
    assert not is_shouted_word(word)


def test_shouted_words_at_the_edges_of_a_span_are_trimmed() -> None:
    # Given a span that starts with a shouted word
    # When cleaned, Then the name after it remains
    assert cleaned("BREAKING Boris Johnson") == "Boris Johnson"


def test_a_shouted_word_the_article_writes_in_normal_case_is_a_name() -> None:
    # Given an article that also says "Donald Trump"
    known = normal_case_words(["Donald Trump", "TRUMP"])

    # Then "TRUMP" is a name there, and not elsewhere
    assert known == {"donald", "trump"}
    assert not is_shouted_word("TRUMP", known)
    assert is_shouted_word("TRUMP")

"""`extract_entities` on texts with nothing to find, and on cheap fixes of known model errors."""

from __future__ import annotations

import subprocess
import sys

from newsingest.entities import extract_entities


def test_empty_text_has_no_entities() -> None:
    # Given empty or whitespace-only texts, When extracted, Then nothing is found
    assert extract_entities("") == []
    assert extract_entities("  \n\n \t ") == []


def test_a_text_without_names_has_no_entities() -> None:
    # Given a text with no names, only a value or two
    text = "The cat sat on the mat for three hours on a warm afternoon last week."

    # When extracted, Then nothing is found
    assert extract_entities(text, title="A cat") == []


def test_shouted_headline_words_are_not_organisations() -> None:
    # Given a shouted headline the model tags "FURIOUS" in as an organisation
    text = "WATCH: Boris Johnson SLAMS Labour in FURIOUS rant"

    # When extracted
    names = [entity.name for entity in extract_entities(text)]

    # Then the shouting is gone and the name stays
    assert "Boris Johnson" in names
    assert not {"FURIOUS", "WATCH", "SLAMS"} & set(names)


def test_a_shouted_name_is_kept_when_the_article_also_writes_it_normally() -> None:
    # Given "TRUMP" in a headline and "Donald Trump" in the text
    text = "BREAKING: Markets CRUMBLE as TRUMP speaks.\n\nDonald Trump said on Monday the plan works."

    # When extracted
    entities = extract_entities(text)

    # Then the shouted name is still a mention (the model's type for it aside); the shouted verb
    # is no entity
    mention_texts = {mention.text for entity in entities for mention in entity.mentions}
    assert {"TRUMP", "Donald Trump"} <= mention_texts
    assert "CRUMBLE" not in mention_texts


def test_offsets_stay_exact_across_paragraphs_and_windows_line_ends() -> None:
    # Given paragraphs separated by blank lines of varying form, with leading whitespace
    text = "  \r\nAngela Merkel visited Paris.\r\n\r\n\tEmmanuel Macron met Merkel in Berlin.\n \n\nThe end."

    # When extracted
    entities = extract_entities(text)

    # Then every mention indexes the original text
    assert entities
    for entity in entities:
        for mention in entity.mentions:
            assert text[mention.start : mention.end] == mention.text
    merkel = next(entity for entity in entities if entity.id == "person:angela-merkel")
    assert merkel.mention_count == 2


def test_importing_the_package_does_not_import_spacy() -> None:
    # Given a fresh interpreter, When the package is imported, Then spaCy is not
    code = "import sys, newsingest.entities; assert 'spacy' not in sys.modules, 'spacy imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

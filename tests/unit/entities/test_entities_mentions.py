"""From the model's spans to an article's mentions: splits, drops, abbreviations, one sense per article.

The model's spans are given by hand, so each rule is tested without depending on what the model
happens to find.
"""

from __future__ import annotations

import pytest

from newsingest.entities.aliases import alias_table
from newsingest.entities.cleanup import is_no_name, split_span
from newsingest.entities.extract import entities_from_spans
from newsingest.entities.mentions import find_mentions
from newsingest.entities.nlp import RawSpan
from newsingest.models import Entity, EntityType


def spans_of(text: str, *forms: tuple[str, str]) -> list[RawSpan]:
    spans: list[RawSpan] = []
    position = 0
    for form, label in forms:
        start = text.index(form, position)
        spans.append(RawSpan(start, start + len(form), label))
        position = start + len(form)
    return spans


def mentions(text: str, *forms: tuple[str, str]) -> list[tuple[str, EntityType]]:
    found = find_mentions(text, spans_of(text, *forms), alias_table())
    return [(mention.text, mention.type) for mention in found.mentions]


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {entity.name: entity for entity in entities}


def test_a_name_and_its_bracketed_abbreviation_are_two_mentions() -> None:
    # Given the model's span joining a name to its abbreviation, bracket unclosed
    text = "The Chartered Institute of Building (CIOB) reports stress."
    parts = split_span(text, text.index("Chartered"), text.index(") reports"))

    # Then it splits into the name and the abbreviation
    assert [text[start:end] for start, end, _ in parts] == ["Chartered Institute of Building", "CIOB"]


def test_an_owner_and_what_it_owns_are_split_and_a_persons_owner_is_dropped() -> None:
    # Given an organisation span and a person span each with an owner inside
    text = "said Northwestern University’s Kellogg School of Management and theCUBE’s Savannah Peterson."
    found = mentions(
        text,
        ("Northwestern University’s Kellogg School of Management", "ORG"),
        ("theCUBE’s Savannah Peterson", "PERSON"),
    )

    # Then both organisations are mentions; in the person's span only the person is
    assert found == [
        ("Northwestern University", EntityType.ORGANIZATION),
        ("Kellogg School of Management", EntityType.ORGANIZATION),
        ("Savannah Peterson", EntityType.PERSON),
    ]


@pytest.mark.parametrize(
    ("name", "entity_type"),
    [
        ("AI", EntityType.LOCATION),
        ("GenAI", EntityType.ORGANIZATION),
        ("CEO", EntityType.ORGANIZATION),
        ("GENIUS Act", EntityType.ORGANIZATION),
        ("Union State Treaty", EntityType.ORGANIZATION),
        ("Institute", EntityType.ORGANIZATION),
    ],
)
def test_common_abbreviations_laws_and_lone_generic_nouns_are_no_names(name: str, entity_type: EntityType) -> None:
    assert is_no_name(name, entity_type)


def test_real_names_ending_like_laws_or_containing_generic_words_stay() -> None:
    assert not is_no_name("Institute for Fiscal Studies", EntityType.ORGANIZATION)
    assert not is_no_name("Jane Act", EntityType.PERSON)


def test_a_person_span_ending_with_an_organisation_word_is_an_organisation() -> None:
    # Given companies the model took for people
    text = "Veeam bought Securiti AI, said Rice University and Google Cloud."
    found = mentions(text, ("Securiti AI", "PERSON"), ("Rice University", "PERSON"), ("Google Cloud", "PERSON"))

    # Then their last word or known first word makes them organisations
    assert [entity_type for name, entity_type in found if name != "Veeam"] == [EntityType.ORGANIZATION] * 3


def test_trailing_common_words_are_not_part_of_a_name() -> None:
    text = "a resident of Palpur village said"
    assert mentions(text, ("Palpur village", "GPE")) == [("Palpur", EntityType.LOCATION)]


def test_an_abbreviation_the_article_defines_is_the_same_entity_everywhere() -> None:
    # Given "Full Name (FN)" and later uses of FN the model missed or mistyped
    text = (
        "The Federal Motor Carrier Safety Administration (FMCSA) is investigating. "
        "A spokesman for FMCSA declined to comment. FMCSA rules apply."
    )
    entities = entities_from_spans(
        text, spans_of(text, ("Federal Motor Carrier Safety Administration", "ORG"), ("FMCSA", "PERSON"))
    )

    # Then the abbreviation is one organisation with the full name, mentioned four times
    [agency] = entities
    assert agency.name == "Federal Motor Carrier Safety Administration"
    assert agency.type is EntityType.ORGANIZATION
    assert agency.mention_count == 4


def test_a_full_name_the_model_missed_is_found_from_its_definition_when_it_names_a_body() -> None:
    text = "The Department of Agricultural Extension (DAE) helps farmers. DAE staff visit villages."
    entities = entities_from_spans(text, [])

    assert [(entity.name, entity.mention_count) for entity in entities] == [("Department of Agricultural Extension", 3)]


def test_the_abbreviation_of_a_lowercase_phrase_is_no_name() -> None:
    # Given "greenhouse gas (GHG)" and a later "GHG" the model called an organisation
    text = "Cutting greenhouse gas (GHG) emissions matters. GHG targets slip."
    assert mentions(text, ("GHG", "ORG"), ("GHG", "ORG")) == []


def test_a_name_found_once_is_a_mention_wherever_it_stands_alone() -> None:
    # Given the model finds "Twilio" once, and "Pentera" once as a person and once as a company
    text = "Twilio will acquire Stytch. Pentera bought DevOcean. Stytch helps Twilio. Pentera grows."
    entities = entities_from_spans(
        text, spans_of(text, ("Twilio", "ORG"), ("Stytch", "ORG"), ("Pentera", "ORG"), ("Pentera", "PERSON"))
    )

    # Then every occurrence is a mention of one entity
    names = by_name(entities)
    assert names["Twilio"].mention_count == 2
    assert names["Stytch"].mention_count == 2
    assert names["Pentera"].mention_count == 2


def test_surnames_and_capitalised_names_of_an_article_person_are_mentions() -> None:
    # Given a transcript that names a speaker in capitals, and by surname
    text = (
        "Travis Cantwell is a plumber.\n\nTRAVIS CANTWELL: Teachers deserve respect.\n\nCANTWELL: Yes. Cantwell laughs."
    )
    entities = entities_from_spans(text, spans_of(text, ("Travis Cantwell", "PERSON")))

    # Then all forms are the one person
    [cantwell] = entities
    assert [mention.text for mention in cantwell.mentions] == [
        "Travis Cantwell",
        "TRAVIS CANTWELL",
        "CANTWELL",
        "Cantwell",
    ]


def test_a_surname_the_model_typed_as_an_organisation_joins_the_article_person() -> None:
    # Given "Matthew Kraft" and then "Kraft" labelled an organisation
    text = "Matthew Kraft studies tutoring. Kraft said it works."
    entities = entities_from_spans(text, spans_of(text, ("Matthew Kraft", "PERSON"), ("Kraft", "ORG")))

    # Then "Kraft" is the person
    assert [(entity.name, entity.type, entity.mention_count) for entity in entities] == [
        ("Matthew Kraft", EntityType.PERSON, 2)
    ]


def test_a_name_inside_a_longer_capitalised_name_is_not_propagated() -> None:
    # Given "Paris" labelled once as a city, and "Paris Baguette", a company
    text = "The chain has stores in Paris. Paris Baguette is Korean."
    found = mentions(text, ("Paris", "GPE"))

    # Then the company's "Paris" is not a mention of the city
    assert found == [("Paris", EntityType.LOCATION)]

"""The alias table: one id per real entity across articles, whatever form or type an article uses."""

from __future__ import annotations

import re

import pytest

from newsingest.entities.aliases import AliasTable, AliasTableError, alias_table
from newsingest.entities.canonical import entity_id
from newsingest.entities.extract import entities_from_spans, extract_entities
from newsingest.entities.nlp import RawSpan
from newsingest.models import Entity, EntityType

TABLE = alias_table()


def spans_of(text: str, *forms: tuple[str, str]) -> list[RawSpan]:
    """The model's spans as a test says it labelled them: each form at its next occurrence."""
    spans: list[RawSpan] = []
    position = 0
    for form, label in forms:
        start = text.index(form, position)
        spans.append(RawSpan(start, start + len(form), label))
        position = start + len(form)
    return spans


def ids(entities: list[Entity]) -> set[str]:
    return {entity.id for entity in entities}


def test_the_shipped_table_is_versioned_and_parses() -> None:
    # Then the packaged table has a version and knows hundreds of entities
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", TABLE.version)
    assert len(TABLE) > 500


@pytest.mark.parametrize(
    ("forms", "expected_id", "name"),
    [
        (("Putin", "Vladimir Putin", "PUTIN"), "person:vladimir-putin", "Vladimir Putin"),
        (("NATO", "Nato", "North Atlantic Treaty Organization"), "organization:nato", "NATO"),
        (("EU", "E.U.", "European Union"), "organization:european-union", "European Union"),
        (("US", "U.S.", "USA", "United States", "United States of America"), "location:united-states", "United States"),
        (("UK", "U.K.", "Britain", "United Kingdom"), "location:united-kingdom", "United Kingdom"),
        (("Kremlin", "the Kremlin"), "organization:kremlin", "Kremlin"),
        (("Kiev", "Kyiv"), "location:kyiv", "Kyiv"),
    ],
)
def test_every_form_of_a_known_name_looks_up_the_same_entity(
    forms: tuple[str, ...], expected_id: str, name: str
) -> None:
    # When each form is looked up, Then all find the same entity, with the table's name
    found = {TABLE.lookup(form) for form in forms}
    assert len(found) == 1
    [known] = found
    assert known is not None
    assert (known.id, known.name) == (expected_id, name)


def test_known_entities_carry_a_wikidata_id_where_the_table_has_one() -> None:
    putin, belarus = TABLE.lookup("Putin"), TABLE.lookup("Belarus")
    assert putin is not None and putin.qid == "Q7747"
    assert belarus is not None and belarus.qid == "Q184"
    kremlin = TABLE.lookup("Kremlin")
    assert kremlin is not None and kremlin.qid is None


def test_unknown_names_are_not_found() -> None:
    assert TABLE.lookup("Monika Bickauskaite") is None
    assert TABLE.lookup("us") is not None  # lookup is by slug: the model's lowercase "us" is dropped earlier


def test_president_putin_and_vladimir_putin_in_two_articles_are_one_id() -> None:
    # Given two articles, one saying "President Putin", the other "Vladimir Putin"
    first = extract_entities("President Putin met his generals in Moscow on Monday.")
    second = extract_entities("Vladimir Putin met his generals in Moscow on Monday.")

    # Then both have the same person, with the table's id and name
    assert "person:vladimir-putin" in ids(first) & ids(second)
    assert {e.name for e in first if e.id == "person:vladimir-putin"} == {"Vladimir Putin"}


def test_us_with_full_stops_and_the_united_states_in_two_articles_are_one_id() -> None:
    # Given two articles naming the country differently
    first = extract_entities("Officials in the U.S. said the talks had failed.")
    second = extract_entities("Officials in the United States said the talks had failed.")

    # Then the country is one id in both
    assert "location:united-states" in ids(first) & ids(second)


def test_a_name_the_model_types_differently_in_two_articles_is_one_entity_of_the_tables_type() -> None:
    # Given the model calls "Stoltenberg" an organisation in one article and a person in another
    text = "Stoltenberg warned Minsk on Thursday."
    as_organisation = entities_from_spans(text, spans_of(text, ("Stoltenberg", "ORG"), ("Minsk", "ORG")))
    as_person = entities_from_spans(text, spans_of(text, ("Stoltenberg", "PERSON"), ("Minsk", "GPE")))

    # Then both articles have the same person and the same city: the table's type wins
    for entities in (as_organisation, as_person):
        by_id = {entity.id: entity for entity in entities}
        assert by_id["person:jens-stoltenberg"].type is EntityType.PERSON
        assert by_id["location:minsk"].type is EntityType.LOCATION


def test_forms_of_one_known_entity_in_one_article_are_one_entity() -> None:
    # Given an article writing "US", "U.S." and "United States"
    text = "The US and the U.S. Senate agree. The United States is divided."
    entities = extract_entities(text)

    # Then there is one United States, with all its mentions
    [united_states] = [entity for entity in entities if entity.id == "location:united-states"]
    assert {mention.text for mention in united_states.mentions} >= {"US", "United States"}


def test_known_names_the_model_missed_are_found() -> None:
    # Given a text where the model finds nothing (no spans given)
    text = "Talks between Belarus and NATO stalled; the EU was not invited."

    # When entities come from the table alone
    entities = entities_from_spans(text, [])

    # Then the known names are entities
    assert ids(entities) == {"location:belarus", "organization:nato", "organization:european-union"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Michael Jordan visited Jordan.", ["Jordan"]),
        ("Paris Baguette opened in Paris.", ["Paris"]),
        ("The Washington Post reported from Washington.", ["Washington Post", "Washington"]),
        ("NATO Secretary-General Jens Stoltenberg spoke.", ["NATO", "Jens Stoltenberg"]),
        ("Homes in Syracuse, NY and Austin, TX cost less.", ["NY", "Austin", "TX"]),
        ("Fine, OK. TX is shorthand.", []),
    ],
)
def test_an_alias_counts_only_where_it_stands_alone_as_a_name(text: str, found: list[str]) -> None:
    # Given names inside longer capitalised names, next to titles, and postal codes
    # When the table searches the text
    matches = TABLE.find(text)

    # Then only the aliases standing as names of their own are found; codes only after "Place, "
    assert [text[match.start : match.end] for match in matches] == found


def test_table_ids_are_the_type_and_the_slug_of_the_canonical_name() -> None:
    for name in ("Vladimir Putin", "NATO", "European Union", "United States", "United Kingdom"):
        known = TABLE.lookup(name)
        assert known is not None
        assert known.id == entity_id(known.type, known.name)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("location\tBelarus\tQ184\n", "version"),
        ("# version: 1.0.0\nplace\tBelarus\tQ184\n", "unknown type"),
        ("# version: 1.0.0\nlocation\tBelarus\n", "columns"),
        ("# version: 1.0.0\nlocation\tGeorgia\t-\nperson\tGeorgia Smith\t-\tGeorgia\n", "already names"),
    ],
)
def test_a_malformed_table_is_rejected_with_its_line(table: str, message: str) -> None:
    # Given a table without a version, with an unknown type, too few columns or a clashing alias
    # Then it does not load
    with pytest.raises(AliasTableError, match=message):
        AliasTable(table)


def test_a_small_table_extends_the_same_way_as_the_shipped_one() -> None:
    # Given a table with one entity and its aliases
    table = AliasTable("# version: 0.0.1\nperson\tJane Doe\t-\tDoe|J. Doe\n")

    # Then every alias finds it, with the id of its canonical name
    assert {table.lookup(form) for form in ("Jane Doe", "Doe", "J. Doe")} == {table.lookup("jane doe")}
    known = table.lookup("Doe")
    assert known is not None and known.id == "person:jane-doe"
    assert table.version == "0.0.1"

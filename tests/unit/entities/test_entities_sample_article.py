"""`extract_entities` on a real article: the entities a reader would name, with exact offsets."""

from __future__ import annotations

from itertools import pairwise

from newsingest.entities import extract_entities
from newsingest.models import Entity, EntityType


def mention_starts(entity: Entity) -> set[int]:
    return {mention.start for mention in entity.mentions}


def test_the_main_people_organisations_and_places_are_found(sample_by_id: dict[str, Entity]) -> None:
    # Given the sample article, When its entities are extracted (by the fixture)
    # Then the people, organisations and countries it is about are there, under stable ids
    for entity_id in (
        "person:vladimir-putin",
        "person:alexander-lukashenko",
        "person:jens-stoltenberg",
        "person:monika-bickauskaite",
        "organization:nato",
        "organization:european-union",
        "organization:kremlin",
        "location:belarus",
        "location:russia",
        "location:united-states",
    ):
        assert entity_id in sample_by_id, entity_id


def test_a_surname_the_alias_table_knows_gets_the_tables_name_and_id(sample_by_id: dict[str, Entity]) -> None:
    # Given an article that only ever says "Putin", a name the alias table knows
    # Then he is `person:vladimir-putin`, named as the table names him, with his mentions as written
    putin = sample_by_id["person:vladimir-putin"]
    assert putin.name == "Vladimir Putin"
    assert putin.type is EntityType.PERSON
    assert {mention.text for mention in putin.mentions} == {"Putin"}
    assert "person:putin" not in sample_by_id


def test_a_surname_the_table_does_not_know_is_named_as_written(sample_by_id: dict[str, Entity]) -> None:
    # Given "Monika Bickauskaite", unknown to the alias table, then "Ms Bickauskaite"
    # Then no first name is invented or dropped: the article's fullest form names her
    assert sample_by_id["person:monika-bickauskaite"].name == "Monika Bickauskaite"


def test_abbreviations_take_the_tables_canonical_name(sample_by_id: dict[str, Entity]) -> None:
    # Given "EU" and "US" in the article
    # Then they are the European Union and the United States, as in any other article
    assert sample_by_id["organization:european-union"].name == "European Union"
    assert {m.text for m in sample_by_id["organization:european-union"].mentions} == {"EU"}
    assert sample_by_id["location:united-states"].name == "United States"


def test_a_surname_joins_the_full_name_seen_in_the_same_article(
    sample_text: str, sample_by_id: dict[str, Entity]
) -> None:
    # Given "Alexander Lukashenko" then "Lukashenko"; "Jens Stoltenberg" then "Mr Stoltenberg";
    # "Monika Bickauskaite" then "Ms Bickauskaite" twice
    lukashenko = sample_by_id["person:alexander-lukashenko"]
    stoltenberg = sample_by_id["person:jens-stoltenberg"]
    bickauskaite = sample_by_id["person:monika-bickauskaite"]

    # Then each is one entity named by the full name, whose mentions include the short forms,
    # trimmed of their titles
    assert lukashenko.name == "Alexander Lukashenko"
    assert "Lukashenko" in {mention.text for mention in lukashenko.mentions}
    assert "person:lukashenko" not in sample_by_id

    assert stoltenberg.name == "Jens Stoltenberg"
    assert sample_text.index("Mr Stoltenberg") + len("Mr ") in mention_starts(stoltenberg)
    assert "person:stoltenberg" not in sample_by_id

    assert bickauskaite.name == "Monika Bickauskaite"
    ms_bickauskaite = {
        start + len("Ms ") for start in range(len(sample_text)) if sample_text.startswith("Ms Bickauskaite", start)
    }
    assert len(ms_bickauskaite) == 2
    assert ms_bickauskaite <= mention_starts(bickauskaite)
    assert bickauskaite.mention_count == 3


def test_possessives_join_the_base_entity(sample_text: str, sample_by_id: dict[str, Entity]) -> None:
    # Given "Belarus’s significance" and "Russia’s tanks"
    belarus = sample_by_id["location:belarus"]
    russia = sample_by_id["location:russia"]

    # Then the mentions are "Belarus" and "Russia", in the base entities
    assert sample_text.index("Belarus’s") in mention_starts(belarus)
    assert sample_text.index("Russia’s") in mention_starts(russia)
    assert {mention.text for mention in belarus.mentions} == {"Belarus"}


def test_an_acronym_in_brackets_is_found(sample_text: str, sample_by_id: dict[str, Entity]) -> None:
    # Given a quote that says “[NATO] has also agreed”
    # Then that NATO is a mention of the organisation
    nato = sample_by_id["organization:nato"]
    assert nato.name == "NATO"
    assert sample_text.index("[NATO]") + 1 in mention_starts(nato)


def test_every_mention_indexes_the_text_exactly(sample_text: str, sample_entities: list[Entity]) -> None:
    # Then every mention's offsets give back its text, and mentions never overlap
    spans = []
    for entity in sample_entities:
        for mention in entity.mentions:
            assert sample_text[mention.start : mention.end] == mention.text
            spans.append((mention.start, mention.end))
    spans.sort()
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(spans))


def test_entities_are_consistent_records(sample_entities: list[Entity]) -> None:
    # Then ids are unique and typed, counts match, mentions are in text order
    ids = [entity.id for entity in sample_entities]
    assert len(ids) == len(set(ids))
    for entity in sample_entities:
        assert entity.id.startswith(f"{entity.type.value}:")
        assert entity.mention_count == len(entity.mentions)
        assert [m.start for m in entity.mentions] == sorted(m.start for m in entity.mentions)
        assert 0.0 <= entity.salience <= 1.0


def test_values_and_shouted_headline_words_are_not_entities(sample_entities: list[Entity]) -> None:
    # Given an article with dates ("Thursday", "1999"), money ("£100bn") and a shouted headline
    # ("JUST IN: ... about to CRUMBLE") and site section tags ("[LATEST]", "[INSIGHT]")
    names = {entity.name for entity in sample_entities}

    # Then none of them is an entity, and no name is a stray lowercase word ("us")
    assert not names & {"Thursday", "1999", "2019", "£100bn", "JUST", "JUST IN", "CRUMBLE"}
    assert not names & {"LATEST", "INSIGHT", "ANALYSIS", "us"}
    assert all(any(char.isupper() for char in name) and len(name) > 1 for name in names)


def test_sorted_by_salience_then_first_mention(sample_entities: list[Entity]) -> None:
    # Then salience never increases down the list, and equal saliences keep text order
    keys = [(-entity.salience, entity.mentions[0].start) for entity in sample_entities]
    assert keys == sorted(keys)


def test_the_story_subjects_rank_above_passing_mentions(sample_by_id: dict[str, Entity]) -> None:
    # Then the countries and leader the story is about outrank boilerplate link names
    top = min(sample_by_id[i].salience for i in ("location:belarus", "location:russia", "person:vladimir-putin"))
    assert top > sample_by_id["person:max-verstappen"].salience
    assert top > sample_by_id["organization:nato"].salience
    assert sample_by_id["location:belarus"].salience == 1.0


def test_the_title_raises_salience_but_adds_no_mentions(sample_text: str, sample_by_id: dict[str, Entity]) -> None:
    # When the same text is extracted without its title
    untitled = {entity.id: entity for entity in extract_entities(sample_text)}

    # Then the same entities and mentions come back; those the title names score lower
    assert untitled.keys() == sample_by_id.keys()
    for entity_id, entity in untitled.items():
        assert entity.mentions == sample_by_id[entity_id].mentions
    assert untitled["person:vladimir-putin"].salience < sample_by_id["person:vladimir-putin"].salience
    assert untitled["organization:nato"].salience == sample_by_id["organization:nato"].salience


def test_extraction_is_deterministic(sample_text: str, sample_title: str, sample_entities: list[Entity]) -> None:
    # When the same article is extracted again
    again = extract_entities(sample_text, title=sample_title)

    # Then the output is identical
    assert [entity.model_dump() for entity in again] == [entity.model_dump() for entity in sample_entities]

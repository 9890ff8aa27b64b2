"""Grouping mentions into entities: slugs, ids, canonical names, types, surname joining."""

from __future__ import annotations

from newsingest.entities.aliases import alias_table
from newsingest.entities.canonical import (
    TypedMention,
    canonical_name,
    entity_id,
    group_mentions,
    majority_type,
    slugify,
)
from newsingest.models import EntityType

PERSON = EntityType.PERSON
ORG = EntityType.ORGANIZATION
LOC = EntityType.LOCATION


def mentions_in(text: str, *forms: tuple[str, EntityType]) -> list[TypedMention]:
    """Mentions of each form at its successive occurrences in `text`."""
    found: list[TypedMention] = []
    position = 0
    for form, entity_type in forms:
        start = text.index(form, position)
        found.append(TypedMention(start, start + len(form), form, entity_type))
        position = start + len(form)
    return found


def test_slugs_are_lowercase_ascii_with_single_dashes() -> None:
    # Given names with diacritics, punctuation, initialisms and non-decomposing letters
    # Then slugs are lowercase ASCII words joined by single dashes
    assert slugify("Vladimir Putin") == "vladimir-putin"
    assert slugify("Monika Bickauskaitė") == "monika-bickauskaite"
    assert slugify("  Secretary—General  (NATO) ") == "secretary-general-nato"
    assert slugify("U.S.") == slugify("US") == "us"
    assert slugify("Łódź") == "lodz"
    assert slugify("Ærø") == "aero"


def test_names_without_latin_characters_get_a_stable_hashed_slug() -> None:
    # Given a Cyrillic name, Then its slug is ASCII, non-empty, and the same every time
    slug = slugify("Москва")
    assert slug.isascii()
    assert slug == slugify("Москва") != slugify("Киев")
    assert slug.startswith("u")


def test_ids_are_type_and_slug() -> None:
    assert entity_id(PERSON, "Vladimir Putin") == "person:vladimir-putin"
    assert entity_id(ORG, "NATO") == "organization:nato"
    assert entity_id(LOC, "Belarus") == "location:belarus"


def test_the_canonical_name_is_the_fullest_then_most_frequent_then_first_form() -> None:
    assert canonical_name(["Stoltenberg", "Jens Stoltenberg", "Stoltenberg"]) == "Jens Stoltenberg"
    assert canonical_name(["Nato", "NATO", "NATO"]) == "NATO"
    assert canonical_name(["Nato", "NATO"]) == "Nato"


def test_the_majority_type_wins_and_ties_go_to_the_more_specific_type() -> None:
    assert majority_type([LOC, ORG, LOC]) == LOC
    assert majority_type([LOC, ORG]) == ORG
    assert majority_type([LOC, PERSON]) == PERSON
    assert majority_type([EntityType.OTHER, EntityType.GROUP]) == EntityType.GROUP


def test_forms_differing_in_case_or_possessive_trim_are_one_entity() -> None:
    # Given "Belarus" labelled a country twice and an organisation once, and "Nato"/"NATO"
    text = "Belarus and NATO. Belarus again. Nato said Belarus must stop."
    mentions = mentions_in(text, ("Belarus", LOC), ("NATO", ORG), ("Belarus", ORG), ("Nato", ORG), ("Belarus", LOC))

    # When grouped
    groups = group_mentions(mentions)

    # Then there are two entities in order of first mention, with majority types
    assert [(group.name, group.type, len(group.mentions)) for group in groups] == [
        ("Belarus", LOC, 3),
        ("NATO", ORG, 2),
    ]


def test_a_surname_joins_the_only_full_name_ending_with_it() -> None:
    # Given a surname mentioned before and after the full name
    text = "Stoltenberg spoke. Jens Stoltenberg warned. Stoltenberg left."
    mentions = mentions_in(text, ("Stoltenberg", PERSON), ("Jens Stoltenberg", PERSON), ("Stoltenberg", PERSON))

    # When grouped
    groups = group_mentions(mentions)

    # Then all three are one person, named in full, mentions in text order
    assert len(groups) == 1
    assert groups[0].name == "Jens Stoltenberg"
    assert [mention.start for mention in groups[0].mentions] == sorted(m.start for m in mentions)


def test_an_ambiguous_surname_stays_apart() -> None:
    # Given two full names sharing a surname, then the surname alone
    text = "George Bush and Jeb Bush met. Bush spoke."
    mentions = mentions_in(text, ("George Bush", PERSON), ("Jeb Bush", PERSON), ("Bush", PERSON))

    # Then the surname is its own entity
    assert [group.name for group in group_mentions(mentions)] == ["George Bush", "Jeb Bush", "Bush"]


def test_first_names_and_non_people_are_not_joined() -> None:
    # Given a first name alone, and a place sharing a person's surname
    text = "Jens Stoltenberg arrived. Jens spoke. Joe Washington visited Washington."
    mentions = mentions_in(
        text,
        ("Jens Stoltenberg", PERSON),
        ("Jens", PERSON),
        ("Joe Washington", PERSON),
        ("Washington", LOC),
    )

    # Then each stays its own entity
    assert [group.name for group in group_mentions(mentions)] == [
        "Jens Stoltenberg",
        "Jens",
        "Joe Washington",
        "Washington",
    ]


def test_with_the_alias_table_known_forms_are_one_entity_of_the_tables_type_and_name() -> None:
    # Given "US" typed as an organisation and "United States" as a place, and "Putin" as a place
    text = "US officials and the United States. Putin spoke."
    mentions = mentions_in(text, ("US", ORG), ("United States", LOC), ("Putin", LOC))

    # When grouped with the alias table
    groups = group_mentions(mentions, lookup=alias_table().lookup)

    # Then each known entity is one group, with the table's name and type
    assert [(group.name, group.type, len(group.mentions)) for group in groups] == [
        ("United States", LOC, 2),
        ("Vladimir Putin", PERSON, 1),
    ]
    assert [group.known.id if group.known else None for group in groups] == [
        "location:united-states",
        "person:vladimir-putin",
    ]


def test_with_the_alias_table_a_known_place_is_not_taken_for_a_surname() -> None:
    # Given "Joe Washington" and "Washington" the place, and "Kraft" mistyped next to "Matthew Kraft"
    text = "Joe Washington visited Washington. Matthew Kraft met Kraft."
    mentions = mentions_in(
        text, ("Joe Washington", PERSON), ("Washington", LOC), ("Matthew Kraft", PERSON), ("Kraft", ORG)
    )

    # When grouped with the alias table
    groups = group_mentions(mentions, lookup=alias_table().lookup)

    # Then the place stays a place; the unknown mistyped surname joins the person
    assert [(group.name, len(group.mentions)) for group in groups] == [
        ("Joe Washington", 1),
        ("Washington, D.C.", 1),
        ("Matthew Kraft", 2),
    ]


def test_an_abbreviation_the_article_defines_joins_its_full_name() -> None:
    text = "The Hong Kong Monetary Authority (HKMA) and HKMA staff."
    mentions = mentions_in(text, ("Hong Kong Monetary Authority", ORG), ("HKMA", ORG), ("HKMA", ORG))

    groups = group_mentions(mentions, same_as={"hkma": "hong-kong-monetary-authority"})

    assert [(group.name, len(group.mentions)) for group in groups] == [("Hong Kong Monetary Authority", 3)]

"""Grouping mentions into entities: slugs, ids, canonical names, types, surname joining."""

from __future__ import annotations

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

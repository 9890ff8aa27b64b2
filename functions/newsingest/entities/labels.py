"""Mapping spaCy's OntoNotes labels onto the coarse `EntityType` users filter by."""

from __future__ import annotations

from types import MappingProxyType

from newsingest.models import EntityType

LABEL_TYPES = MappingProxyType(
    {
        "PERSON": EntityType.PERSON,
        "ORG": EntityType.ORGANIZATION,
        "GPE": EntityType.LOCATION,
        "LOC": EntityType.LOCATION,
        "FAC": EntityType.LOCATION,
        "NORP": EntityType.GROUP,
        "EVENT": EntityType.EVENT,
        "PRODUCT": EntityType.OTHER,
        "WORK_OF_ART": EntityType.OTHER,
        "LAW": EntityType.OTHER,
    }
)
"""Labels kept as entities. The others (DATE, TIME, MONEY, QUANTITY, PERCENT, ORDINAL, CARDINAL,
LANGUAGE) are values, not things an article is about: they are dropped."""

TYPE_PRECEDENCE = (
    EntityType.PERSON,
    EntityType.ORGANIZATION,
    EntityType.LOCATION,
    EntityType.GROUP,
    EntityType.EVENT,
    EntityType.OTHER,
)
"""Tie-break when one name got as many mentions of two types: the more specific, more
searched-for type wins."""


def entity_type_for(label: str) -> EntityType | None:
    """The entity type of a spaCy label, or None for labels that are not entities."""
    return LABEL_TYPES.get(label)

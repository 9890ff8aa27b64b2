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
"""The other labels (DATE, MONEY, CARDINAL ...) are values, not things an article is about."""

TYPE_PRECEDENCE = (
    EntityType.PERSON,
    EntityType.ORGANIZATION,
    EntityType.LOCATION,
    EntityType.GROUP,
    EntityType.EVENT,
    EntityType.OTHER,
)
"""Tie-break between types of equal mentions: the more specific, more searched-for wins."""


def entity_type_for(label: str) -> EntityType | None:
    return LABEL_TYPES.get(label)

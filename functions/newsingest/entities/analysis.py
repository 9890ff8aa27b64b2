"""Everything the NLP stage adds to an article, from one pass of the model over the text."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsingest.entities.extract import extract_entities
from newsingest.models import Amount, DateMention, Entity, Quote

ENTITY_MODEL = "en_core_web_sm-3.8.0"
"""The model the entities come from, recorded on every article for comparison and re-runs."""


@dataclass(frozen=True)
class TextAnalysis:
    """Entities, quotations, dates and amounts of one text, with the versions that produced them."""

    entities: list[Entity]
    quotes: list[Quote] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    entity_model: str = ENTITY_MODEL
    alias_table_version: str | None = None


def analyse_text(text: str, *, title: str | None = None) -> TextAnalysis:
    """Analyse an English text: the ingest stage calls this once per article."""
    return TextAnalysis(entities=extract_entities(text, title=title))

"""Everything the NLP stage adds to articles, from one model pass over their texts: entities,
quotations and their speakers, dates and amounts (`analyse_texts` for a batch, `analyse_text` for one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsingest.entities.aliases import alias_table
from newsingest.entities.extract import entities_from_spans
from newsingest.entities.nlp import find_entity_spans_of_texts
from newsingest.entities.quotes import find_quotes
from newsingest.entities.values import find_amounts, find_dates
from newsingest.models import Amount, DateMention, Entity, Quote

ENTITY_MODEL = "en_core_web_sm-3.8.0"
"""Recorded on every article; `nlp.MODEL_NAME` republishes these weights (a test checks the version)."""


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
    """One English text's analysis; offsets index `text`, and `title` only raises the salience of
    the entities it names."""
    return analyse_texts([(text, title)])[0]


def analyse_texts(items: Sequence[tuple[str, str | None]]) -> list[TextAnalysis]:
    """Each `(text, title)`'s analysis, in order, from one model pass over all the texts (the
    articles of an ingest batch); each equals `analyse_text`'s."""
    all_spans = find_entity_spans_of_texts([text for text, _ in items])
    version = alias_table().version
    analyses = []
    for (text, title), spans in zip(items, all_spans, strict=True):
        entities = entities_from_spans(text, spans, title=title)
        analyses.append(
            TextAnalysis(
                entities=entities,
                quotes=find_quotes(text, entities),
                dates=find_dates(text, spans),
                amounts=find_amounts(text, spans),
                alias_table_version=version,
            )
        )
    return analyses

"""Everything the NLP stage adds to an article, from one pass of the model over the text.

`analyse_text` (one text) and `analyse_texts` (a batch's texts in one `nlp.pipe`) run the model
once per text (every label) and derive from that pass the entities (PERSON, ORG, GPE/LOC/FAC,
NORP, ...), the dates (DATE) and the amounts (MONEY, PERCENT, QUANTITY); quotations are found in
the text and their speakers among the entities.
"""

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
"""The model the entities come from, recorded on every article for comparison and re-runs. The
package loaded (`nlp.MODEL_NAME`) republishes these weights byte for byte; a test checks that the
loaded pipeline's version is this one."""


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
    """Analyse an English text: the ingest stage calls this once per article.

    Offsets of mentions, quotations, dates and amounts all index `text`; `title` only raises the
    salience of the entities it names (see `extract_entities`).
    """
    return analyse_texts([(text, title)])[0]


def analyse_texts(items: Sequence[tuple[str, str | None]]) -> list[TextAnalysis]:
    """`analyse_text(text, title=title)` of each `(text, title)`, in order, with one model pass
    over all the texts (`nlp.pipe` batches their paragraphs together): for the articles of an
    SQS batch. Each result is equal to the one-text call's."""
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

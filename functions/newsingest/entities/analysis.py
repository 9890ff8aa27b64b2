"""Everything the NLP stage adds to an article, from one pass of the model over the text.

`analyse_text` runs the model once (`find_entity_spans`: every label) and derives from that pass
the entities (PERSON, ORG, GPE/LOC/FAC, NORP, ...), the dates (DATE) and the amounts (MONEY,
PERCENT, QUANTITY); quotations are found in the text and their speakers among the entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsingest.entities.aliases import alias_table
from newsingest.entities.extract import entities_from_spans
from newsingest.entities.nlp import find_entity_spans
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
    spans = find_entity_spans(text)
    entities = entities_from_spans(text, spans, title=title)
    return TextAnalysis(
        entities=entities,
        quotes=find_quotes(text, entities),
        dates=find_dates(text, spans),
        amounts=find_amounts(text, spans),
        alias_table_version=alias_table().version,
    )

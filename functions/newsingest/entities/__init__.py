"""Named entities of an article: who, which organisations and places it is about; what was said
by whom; which dates and amounts it gives.

`analyse_text` is the ingest stage's entry point (one model pass per text; `analyse_texts` runs
a batch's texts through the model together); `extract_entities` is the entities alone. Modules:
`nlp` (the model pass), `cleanup` and `mentions` (from the model's spans to mentions), `aliases`
(the alias table, `newsingest/data/aliases.tsv`), `canonical` (mentions into entities and ids),
`salience`, `quotes`, `values` (dates, amounts).

Importing this package does not import spaCy; the first `extract_entities` call does, and
loads the model once per process.
"""

from __future__ import annotations

from newsingest.entities.analysis import TextAnalysis, analyse_text, analyse_texts
from newsingest.entities.extract import extract_entities

__all__ = ["TextAnalysis", "analyse_text", "analyse_texts", "extract_entities"]

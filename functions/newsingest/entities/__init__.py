"""Named entities of an article (who, which organisations and places it is about), what was said
by whom, and its dates and amounts, from one model pass per text (`analyse_text`; `analyse_texts`
for a batch's texts together). Importing the package does not import spaCy: the first extraction
does, once per process."""

from __future__ import annotations

from newsingest.entities.analysis import TextAnalysis, analyse_text, analyse_texts
from newsingest.entities.extract import extract_entities

__all__ = ["TextAnalysis", "analyse_text", "analyse_texts", "extract_entities"]

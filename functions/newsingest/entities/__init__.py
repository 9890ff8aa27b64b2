"""Named entities of an article: who, which organisations and places it is about.

Importing this package does not import spaCy; the first `extract_entities` call does, and
loads the model once per process.
"""

from __future__ import annotations

from newsingest.entities.analysis import TextAnalysis, analyse_text
from newsingest.entities.extract import extract_entities

__all__ = ["TextAnalysis", "analyse_text", "extract_entities"]

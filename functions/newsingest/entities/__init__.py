"""Named entities of an article (who, which organisations and places it is about), what was said
by whom, and its dates and amounts, from one model pass per text (`analyse_text`; `analyse_texts`
for a batch's texts together). Importing the package does not import spaCy: the first extraction
does, once per process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["TextAnalysis", "analyse_text", "analyse_texts", "extract_entities"]

if TYPE_CHECKING:
    from newsingest.entities.analysis import TextAnalysis, analyse_text, analyse_texts
    from newsingest.entities.extract import extract_entities


def __getattr__(name: str) -> Any:
    """The extraction on first use: the indexer imports the alias table from here, not the extraction."""
    if name in ("TextAnalysis", "analyse_text", "analyse_texts"):
        from newsingest.entities import analysis

        return getattr(analysis, name)
    if name == "extract_entities":
        from newsingest.entities.extract import extract_entities

        return extract_entities
    raise AttributeError(f"module 'newsingest.entities' has no attribute {name!r}")

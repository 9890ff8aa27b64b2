"""newsingest: S3 upload -> parsed article with entities -> event -> DynamoDB index.

The public API is plain Python with no AWS: `parse_article` turns bytes into an `Article`,
`extract_entities` finds the named entities in a text. Heavy imports (spaCy) happen on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsingest.errors import RejectedInput, RejectReason
from newsingest.models import Article, Entity, EntityType, Mention, SourceRef
from newsingest.version import __version__

__all__ = [
    "Article",
    "Entity",
    "EntityType",
    "Mention",
    "RejectReason",
    "RejectedInput",
    "SourceRef",
    "__version__",
    "extract_entities",
    "parse_article",
]

if TYPE_CHECKING:
    from newsingest.entities import extract_entities
    from newsingest.parsing import parse_article


def __getattr__(name: str) -> Any:
    """Import the parsing and NLP stacks only when first asked for: keeps cold starts of the
    functions that do not need them (the indexer) free of their import cost."""
    if name == "parse_article":
        from newsingest.parsing import parse_article

        return parse_article
    if name == "extract_entities":
        from newsingest.entities import extract_entities

        return extract_entities
    raise AttributeError(f"module 'newsingest' has no attribute {name!r}")

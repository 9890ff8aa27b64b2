"""newsingest: S3 upload -> parsed article with entities -> event -> DynamoDB index. Its public API
is plain Python with no AWS: `parse_article` (bytes -> `Article`) and `extract_entities`.
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
    from newsingest.entities.extract import extract_entities
    from newsingest.parsing import parse_article


def __getattr__(name: str) -> Any:
    """Imports parsing and spaCy on first use: the indexer's cold starts never pay for them."""
    if name == "parse_article":
        from newsingest.parsing import parse_article

        return parse_article
    if name == "extract_entities":
        from newsingest.entities.extract import extract_entities

        return extract_entities
    raise AttributeError(f"module 'newsingest' has no attribute {name!r}")

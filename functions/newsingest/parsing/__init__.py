"""Turning uploaded objects (plain text, HTML, JSON) into `Article` records: `parse_articles` (every
article of an object) and `parse_article` (its first) are all the rest of the service needs."""

from __future__ import annotations

from newsingest.limits import DEFAULT_MAX_OBJECT_BYTES
from newsingest.parsing.parse import parse_article, parse_articles

__all__ = ["DEFAULT_MAX_OBJECT_BYTES", "parse_article", "parse_articles"]

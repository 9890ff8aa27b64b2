"""Turning uploaded objects (plain text, HTML, JSON) into `Article` records.

`parse_article` is the only entry point the rest of the service needs; the modules behind it
each handle one concern (format detection, decoding, one module per format, language).
"""

from __future__ import annotations

from newsingest.parsing.parse import parse_article, parse_articles
from newsingest.settings import DEFAULT_MAX_OBJECT_BYTES

__all__ = ["DEFAULT_MAX_OBJECT_BYTES", "parse_article", "parse_articles"]

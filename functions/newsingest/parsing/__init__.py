"""Turning uploaded objects (plain text, HTML, JSON) into `Article` records.

`parse_articles` (every article of an object) and `parse_article` (its first) are the entry
points the rest of the service needs. The modules behind them each handle one concern: format
detection (`detect`), decoding and mojibake repair (`decode`), one module per format
(`plaintext`, `html`, `jsonrecord`), and for HTML repairs before parsing (`repair`), the main text
(`maintext`), declared metadata (`htmlmeta`), headline choice (`titles`) and what the page shows
by the headline (`pagehead`); then language detection (`language`).
"""

from __future__ import annotations

from newsingest.limits import DEFAULT_MAX_OBJECT_BYTES
from newsingest.parsing.parse import parse_article, parse_articles

__all__ = ["DEFAULT_MAX_OBJECT_BYTES", "parse_article", "parse_articles"]

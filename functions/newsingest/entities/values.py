"""Dates and amounts: the model's DATE, MONEY, PERCENT and QUANTITY spans, kept on the article.

They come from the same model pass as the entities and stay out of the entity index. A date's
`value` is ISO 8601 when the expression names an absolute date on its own: a day
("17 December 2025", "Dec. 17, 2025", "2025-12-17" -> `2025-12-17`), a month ("May 2024" ->
`2024-05`) or a year ("in 1991" -> `1991`). Relative or partial expressions ("last month",
"Thursday", "December 17", "the 1990s", "2000-2004") keep `value` None: resolving them needs a
reference date the text does not give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from newsingest.entities.nlp import RawSpan
from newsingest.models import Amount, AmountKind, DateMention
from newsingest.textpatterns import DAY, HISTORICAL_YEAR, MONTH_NAME, month_number

AMOUNT_KINDS = {"MONEY": AmountKind.MONEY, "PERCENT": AmountKind.PERCENT, "QUANTITY": AmountKind.QUANTITY}
DATE_LABELS = frozenset({"DATE"})
"""TIME spans ("this morning", "10 p.m.") are not dates and are not kept."""

_MONTH = rf"(?P<month>{MONTH_NAME})\.?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_SEP = r"[\s,]+"
_PATTERNS = [
    re.compile(rf"^(?:the\s+)?{_WEEKDAY}{DAY}(?:\s+of)?\s+{_MONTH}{_SEP}{HISTORICAL_YEAR}$", re.IGNORECASE),
    re.compile(rf"^{_WEEKDAY}{_MONTH}{_SEP}{DAY}{_SEP}{HISTORICAL_YEAR}$", re.IGNORECASE),
    re.compile(rf"^{HISTORICAL_YEAR}-(?P<month_number>[01]\d)-(?P<day>[0-3]\d)$"),
    re.compile(rf"^(?:early\s+|mid-?\s*|late\s+)?{_MONTH}(?:\s+of)?{_SEP}{HISTORICAL_YEAR}$", re.IGNORECASE),
    re.compile(rf"^(?:in\s+|the\s+year\s+)?{HISTORICAL_YEAR}$", re.IGNORECASE),
]


def normalise_date(expression: str) -> str | None:
    """`YYYY-MM-DD`, `YYYY-MM` or `YYYY` for an absolute date expression, else None."""
    cleaned = " ".join(expression.strip().rstrip(".,;:").split())
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        parts = match.groupdict()
        year = int(parts["year"])
        if parts.get("month_number"):
            month: int | None = int(parts["month_number"])
        elif parts.get("month"):
            month = month_number(parts["month"])
        else:
            month = None
        if month is None:
            return f"{year:04d}"
        if not parts.get("day"):
            return f"{year:04d}-{month:02d}"
        try:
            return date(year, month, int(parts["day"])).isoformat()
        except ValueError:
            return None
    return None


def find_dates(text: str, spans: Iterable[RawSpan]) -> list[DateMention]:
    """The model's DATE spans of `text`, with their ISO value when absolute."""
    dates: list[DateMention] = []
    for span in spans:
        if span.label in DATE_LABELS and (trimmed := _trimmed(text, span.start, span.end)):
            start, end = trimmed
            expression = text[start:end]
            dates.append(DateMention(text=expression, start=start, end=end, value=normalise_date(expression)))
    return dates


def find_amounts(text: str, spans: Iterable[RawSpan]) -> list[Amount]:
    """The model's MONEY, PERCENT and QUANTITY spans of `text`."""
    amounts: list[Amount] = []
    for span in spans:
        kind = AMOUNT_KINDS.get(span.label)
        if kind is not None and (trimmed := _trimmed(text, span.start, span.end)):
            start, end = trimmed
            if (preposition := _LEADING_PREPOSITION.match(text, start, end)) and preposition.end() < end:
                start = preposition.end()
            amounts.append(Amount(text=text[start:end], start=start, end=end, kind=kind))
    return amounts


_LEADING_PREPOSITION = re.compile(r"(?:as|than|of|by|to|at|for|from|with)\s+", re.IGNORECASE)
"""The model sometimes starts an amount with the preposition before it ("as £100bn")."""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without surrounding whitespace and quote marks or brackets; None if empty."""
    while start < end and (text[start].isspace() or text[start] in "\"'“”‘’([,"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"'“”‘’)],;:"):
        end -= 1
    return (start, end) if end > start else None

"""Text patterns that parsing/ and entities/ share, so that a word or a written date means the
same thing wherever the service looks for one."""

from __future__ import annotations

import calendar
import re

WORD = re.compile(r"\w+")

MONTH_NUMBERS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name
}
MONTH_NUMBERS["sept"] = 9
"""'Sept' is common in bylines."""

MONTH_NAME = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
"""Longest first, so 'June' wins over 'Jun'; for a named group, matched case-insensitively."""

DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

PUBLICATION_YEAR = r"(?P<year>(?:19|20)\d\d)"
"""For bylines and URLs: narrow, since they hold other numbers ('1 of 2500 words')."""

HISTORICAL_YEAR = r"(?P<year>1[5-9]\d\d|2\d\d\d)"
"""For the model's DATE spans ('in 1776'): already known to be dates, so only nonsense is excluded."""


def month_number(name: str) -> int:
    return MONTH_NUMBERS[name.casefold()]

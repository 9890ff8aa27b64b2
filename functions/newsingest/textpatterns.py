"""Text patterns that parsing/ and entities/ share, so that a word or a written date means the
same thing wherever the service looks for one."""

from __future__ import annotations

import calendar
import re

WORD = re.compile(r"\w+")
"""A word as the service counts and compares them: a run of letters, digits or underscores."""

MONTH_NUMBERS = {name.casefold(): number for number, name in enumerate(calendar.month_name) if name} | {
    name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name
}
MONTH_NUMBERS["sept"] = 9
"""English month names and abbreviations (casefolded) -> month number; 'Sept' is common in bylines."""

MONTH_NAME = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
"""The alternatives of `MONTH_NUMBERS` for a pattern (longest first, so 'June' wins over 'Jun');
to be wrapped in a named group and matched case-insensitively."""

DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
"""A day of the month, with an optional ordinal suffix ('15th')."""

PUBLICATION_YEAR = r"(?P<year>(?:19|20)\d\d)"
"""A year a byline or URL can date an article to: 1900-2099. Narrow on purpose, since bylines and
URLs hold other numbers ('1 of 2500 words') that a wider range would misread as years."""

HISTORICAL_YEAR = r"(?P<year>1[5-9]\d\d|2\d\d\d)"
"""A year an article's text can name: 1500-2999, so that history ('in 1776') gets a value too;
the model has already said the span is a date, so the range only has to exclude nonsense."""


def month_number(name: str) -> int:
    """The number of a month name or abbreviation matched by `MONTH_NAME` (any case)."""
    return MONTH_NUMBERS[name.casefold()]

"""How prominent an entity is in its article, from 0 to 1.

    salience = FREQUENCY_WEIGHT * mentions / most mentions of any entity in the article
             + TITLE_WEIGHT     * (1 if the title names the entity else 0)
             + LEAD_WEIGHT      * (1 if first mentioned in the first LEAD_CHARS characters else 0)
             + POSITION_WEIGHT  * (1 - offset of the first mention / length of the text)

rounded to `SALIENCE_DECIMALS` and clipped to [0, 1]. The weights sum to 1, so the entity that
is mentioned most, is in the title and opens the text scores 1. News puts what a story is about
in the headline and the first paragraph, and keeps naming it; passing mentions come once, late.
"""

from __future__ import annotations

from collections.abc import Iterable

FREQUENCY_WEIGHT = 0.5
"""Repetition is the strongest single signal: half the score. Chosen by hand on the sample
article so that the countries and leaders the story is about (Belarus, Russia, Putin) rank
above names in the site's boilerplate links (Max Verstappen, Ferrari) whatever their position."""

TITLE_WEIGHT = 0.2
"""A headline names the story's subject; weighted below frequency because headlines also name
a hook that the text mentions once."""

LEAD_WEIGHT = 0.15
"""The lead (first paragraph) states who and where; with POSITION_WEIGHT, an entity first seen
at the very start gets 0.3, i.e. as much as being the most frequent entity would give alone
at 60% of the mentions."""

POSITION_WEIGHT = 0.15
"""Earlier first mentions rank higher, linearly: breaks ties between once-mentioned names."""

LEAD_CHARS = 500
"""The lead: a news lede is one or two sentences of 25-35 words, ~200 characters each, so 500
characters cover the first paragraph, or a headline line and the lede when, as in the sample,
the headline is part of the text."""

SALIENCE_DECIMALS = 4
"""Rounded so the stored value does not depend on float summation order; 4 decimals still
separate any two entities whose scores differ meaningfully."""


def salience(
    *,
    mention_count: int,
    max_mention_count: int,
    first_start: int,
    text_length: int,
    in_title: bool,
) -> float:
    """The formula in the module docstring."""
    frequency = mention_count / max_mention_count if max_mention_count else 0.0
    position = 1.0 - first_start / text_length if text_length else 0.0
    score = (
        FREQUENCY_WEIGHT * frequency
        + TITLE_WEIGHT * in_title
        + LEAD_WEIGHT * (first_start < LEAD_CHARS)
        + POSITION_WEIGHT * position
    )
    return round(min(1.0, max(0.0, score)), SALIENCE_DECIMALS)


def mentioned_in(title: str | None, forms: Iterable[str]) -> bool:
    """Whether `title` contains one of the `forms` as whole words, ignoring case and quote style."""
    if not title:
        return False
    haystack = _fold(title)
    return any(_contains_word(haystack, _fold(form)) for form in forms if form.strip())


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def _contains_word(haystack: str, needle: str) -> bool:
    """`re.search(rf"(?<!\\w){re.escape(needle)}(?!\\w)", haystack)` without compiling a pattern
    per name: an article has dozens of entities, and compiling their patterns (more than `re`'s
    cache holds) cost more than the rest of the salience computation."""
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or not _is_word_char(haystack[start - 1])) and (
            end == len(haystack) or not _is_word_char(haystack[end])
        ):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a `str` pattern: letters, digits and numerals of any script, and '_'."""
    return char.isalnum() or char == "_"

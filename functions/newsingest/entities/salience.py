"""How prominent an entity is in its article, from 0 to 1: news puts what a story is about in the
headline and first paragraph and keeps naming it, while passing mentions come once, late. The
weights of `salience` sum to 1, so the most mentioned entity, in the title, opening the text scores 1."""

from __future__ import annotations

from collections.abc import Iterable

FREQUENCY_WEIGHT = 0.5
"""Chosen by hand on the sample article: its subjects (Belarus, Russia, Putin) outrank the names in
the site's boilerplate links (Max Verstappen, Ferrari) wherever those stand."""

TITLE_WEIGHT = 0.2
"""Below frequency: headlines also name a hook that the text mentions once."""

LEAD_WEIGHT = 0.15
"""With POSITION_WEIGHT, opening the text gives 0.3, as much as 60% of the top entity's mentions."""

POSITION_WEIGHT = 0.15
"""Breaks ties between once-mentioned names."""

LEAD_CHARS = 500
"""A lede is one or two sentences of 25-35 words (~200 characters): 500 cover it and a headline line."""

SALIENCE_DECIMALS = 4
"""Independent of float summation order; 4 still separates scores that differ meaningfully."""


def salience(
    *,
    mention_count: int,
    max_mention_count: int,
    first_start: int,
    text_length: int,
    in_title: bool,
) -> float:
    """FREQUENCY_WEIGHT * mentions / most mentions of any entity + TITLE_WEIGHT * named in the title
    + LEAD_WEIGHT * first mentioned within LEAD_CHARS + POSITION_WEIGHT * (1 - first offset / length)."""
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
    """`(?<!\\w)needle(?!\\w)` without a pattern per name: compiling dozens cost more than all of salience."""
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

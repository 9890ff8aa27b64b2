"""The salience formula: frequency share, title, lead and position, weighted, in [0, 1]."""

from __future__ import annotations

import pytest

from newsingest.entities.salience import (
    FREQUENCY_WEIGHT,
    LEAD_CHARS,
    LEAD_WEIGHT,
    POSITION_WEIGHT,
    TITLE_WEIGHT,
    mentioned_in,
    salience,
)


def test_weights_sum_to_one() -> None:
    total = FREQUENCY_WEIGHT + TITLE_WEIGHT + LEAD_WEIGHT + POSITION_WEIGHT
    assert total == pytest.approx(1.0)


def test_the_most_mentioned_entity_in_the_title_and_first_words_scores_one() -> None:
    assert salience(mention_count=9, max_mention_count=9, first_start=0, text_length=5000, in_title=True) == 1.0


def test_each_term_adds_its_weight() -> None:
    # Given an entity mentioned half as often as the top one, not in the title, first seen
    # just after the lead, at a fifth of a text
    text_length = 5 * (LEAD_CHARS + 100)
    first_start = LEAD_CHARS + 100

    # When scored, with and without the title naming it
    base = salience(
        mention_count=2, max_mention_count=4, first_start=first_start, text_length=text_length, in_title=False
    )
    titled = salience(
        mention_count=2, max_mention_count=4, first_start=first_start, text_length=text_length, in_title=True
    )
    in_lead = salience(
        mention_count=2, max_mention_count=4, first_start=LEAD_CHARS - 1, text_length=text_length, in_title=False
    )

    # Then the score is the weighted sum of the formula's terms
    assert base == pytest.approx(FREQUENCY_WEIGHT * 0.5 + POSITION_WEIGHT * 0.8, abs=1e-4)
    assert titled == pytest.approx(base + TITLE_WEIGHT, abs=1e-4)
    assert in_lead > base + LEAD_WEIGHT - 1e-4


def test_salience_is_within_zero_and_one_and_rounded() -> None:
    low = salience(mention_count=1, max_mention_count=1000, first_start=999, text_length=1000, in_title=False)
    assert 0.0 <= low <= 1.0
    assert low == round(low, 4)
    assert salience(mention_count=1, max_mention_count=0, first_start=0, text_length=0, in_title=False) >= 0.0


def test_title_matching_is_by_whole_word_ignoring_case_and_quote_style() -> None:
    title = "Belarus-Russia: History of alliance as Putin’s ‘will’ holds"
    assert mentioned_in(title, ["Putin"])
    assert mentioned_in(title, ["belarus"])
    assert mentioned_in(title, ["Putin's"])
    assert not mentioned_in(title, ["Belarusian"])
    assert not mentioned_in(title, ["Russ"])
    assert not mentioned_in(None, ["Putin"])
    assert not mentioned_in(title, [""])

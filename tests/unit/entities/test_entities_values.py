"""Dates and amounts: kept on the article from the model's value spans, absolute dates in ISO 8601."""

from __future__ import annotations

import pytest

from newsingest.entities.nlp import RawSpan
from newsingest.entities.values import find_amounts, find_dates, normalise_date
from newsingest.models import AmountKind


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("17 December 2025", "2025-12-17"),
        ("December 17, 2025", "2025-12-17"),
        ("Wednesday, December 17 2025", "2025-12-17"),
        ("Tuesday, January, 6 2026", "2026-01-06"),
        ("Dec. 17, 2025", "2025-12-17"),
        ("Sept. 3, 2024", "2024-09-03"),
        ("the 17th of December 2025", "2025-12-17"),
        ("2025-12-17", "2025-12-17"),
        ("May 2024", "2024-05"),
        ("late October 2025", "2025-10"),
        ("1991", "1991"),
        ("in 1999", "1999"),
    ],
)
def test_absolute_dates_are_normalised_to_iso_8601(expression: str, value: str) -> None:
    assert normalise_date(expression) == value


@pytest.mark.parametrize(
    "expression",
    ["last month", "Thursday", "December 17", "the 1990s", "2000-2004", "2022-23", "this year", "February 30, 2024"],
)
def test_relative_partial_and_impossible_dates_have_no_value(expression: str) -> None:
    assert normalise_date(expression) is None


def test_date_spans_become_date_mentions_with_offsets_into_the_text() -> None:
    # Given the model's DATE spans, one with a stray quote mark, and a TIME span
    text = "On “December 17, 2025” and last month, at 10 p.m., it rained."
    spans = [
        RawSpan(text.index("“"), text.index(" and"), "DATE"),
        RawSpan(text.index("last"), text.index(", at"), "DATE"),
        RawSpan(text.index("10"), text.index(", it"), "TIME"),
    ]

    # When dates are found
    dates = find_dates(text, spans)

    # Then the two dates are kept, trimmed, with their values; the time is not a date
    assert [(date.text, date.value) for date in dates] == [("December 17, 2025", "2025-12-17"), ("last month", None)]
    assert all(text[date.start : date.end] == date.text for date in dates)


def test_money_percentages_and_quantities_are_amounts_of_their_kind() -> None:
    # Given the model's value spans, one starting with a preposition, and entity spans
    text = "Gold worth as £100bn, up 5.4%, and 750 milliliters of water; Paris agreed."
    spans = [
        RawSpan(text.index("as £"), text.index(", up"), "MONEY"),
        RawSpan(text.index("5.4%"), text.index(", and"), "PERCENT"),
        RawSpan(text.index("750"), text.index(" of water"), "QUANTITY"),
        RawSpan(text.index("Paris"), text.index(" agreed"), "GPE"),
    ]

    # Then there is one amount per value span, without the preposition
    amounts = find_amounts(text, spans)
    assert [(amount.text, amount.kind) for amount in amounts] == [
        ("£100bn", AmountKind.MONEY),
        ("5.4%", AmountKind.PERCENT),
        ("750 milliliters", AmountKind.QUANTITY),
    ]
    assert all(text[amount.start : amount.end] == amount.text for amount in amounts)

"""Language detection: ISO 639-1 from the text, the declared language only when unsure."""

from __future__ import annotations

import pytest

from newsingest.parsing.language import MIN_DETECTION_CHARS, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The government announced new support for small businesses in the regions on Tuesday.", "en"),
        ("Die Regierung hat am Dienstag neue Hilfen für kleine Unternehmen in den Regionen angekündigt.", "de"),
        ("Le gouvernement a annoncé mardi de nouvelles aides pour les petites entreprises des régions.", "fr"),
        ("El gobierno anunció el martes nuevas ayudas para las pequeñas empresas de las regiones.", "es"),
        ("Правительство во вторник объявило о новых мерах поддержки малого бизнеса в регионах.", "ru"),
    ],
)
def test_language_is_detected_from_the_text(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detection_wins_over_a_wrong_declaration() -> None:
    # Given German text on a page whose template declares English
    text = "Die Regierung hat am Dienstag neue Hilfen für kleine Unternehmen in den Regionen angekündigt."

    # When / Then
    assert detect_language(text, declared="en-US") == "de"


def test_text_too_short_to_judge_gives_none() -> None:
    # Given fewer letters than the detector needs
    text = "Oslo 2024: 3-1!"
    assert len(text) < MIN_DETECTION_CHARS

    # When / Then
    assert detect_language(text) is None


def test_text_too_short_to_judge_uses_the_declared_language() -> None:
    assert detect_language("Oslo 2024: 3-1!", declared="nb-NO") == "nb"


def test_digits_and_punctuation_do_not_count_towards_the_minimum_length() -> None:
    # Given a long string that is mostly numbers
    text = "2024-03-01 10:00 | 1,234,567.89 | 42% | 3-1 | ok"

    # When / Then
    assert detect_language(text) is None


def test_invalid_declared_language_is_ignored() -> None:
    assert detect_language("Oslo", declared="English (UK)") is None

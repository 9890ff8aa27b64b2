"""The language of an article's text (ISO 639-1), detected with py3langid; the source's declaration
counts only where detection cannot decide, since templates declare one language for a whole site.
How the thresholds were measured: docs/notes/parsing-and-entities.md."""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

from newsingest.parsing.fields import normalize_language

MIN_DETECTION_CHARS = 30
"""Letters and spaces: on evaluation snippets py3langid was right 94% of the time at 30 (81% at 20)."""

MIN_CONFIDENCE = 0.5
"""Normalised probability: 99.9% right from 30 characters on; higher lost coverage, gained nothing."""

DETECTION_SAMPLE_CHARS = 1000
"""99.8% right at 200 characters; the cost grows with length (5,000 took 4 ms a page): a fifth of that."""

_NOT_LETTERS = re.compile(r"[\W\d_]+")


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@cache
def _identifier() -> _Identifier:
    """Loaded on first use (about 0.5 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return identifier


def detect_language(text: str, *, declared: str | None = None) -> str | None:
    """The text's language; the declared one when detection is unsure; None when neither is known."""
    fallback = normalize_language(declared)
    sample = text[:DETECTION_SAMPLE_CHARS]
    if len(_NOT_LETTERS.sub(" ", sample).strip()) < MIN_DETECTION_CHARS:
        return fallback
    code, confidence = _identifier().classify(sample)
    detected = normalize_language(code)
    if detected is None or confidence < MIN_CONFIDENCE:
        return fallback
    return detected

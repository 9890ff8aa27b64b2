"""The MinHash signature ingest computes: normalisation, stability, and what its fingerprint estimates."""

from __future__ import annotations

import base64
import struct

import pytest

from newsingest.stories.signature import (
    LSH_BANDS,
    MIN_STORY_WORDS,
    NUM_PERM,
    SCHEME,
    SHINGLE_WORDS,
    normalised_words,
    shingles,
    signature_of,
)
from newsingest.stories.similarity import SAME_STORY_JACCARD, InvalidSketch, estimated_jaccard

STORY = (
    "Ministers from the Baltic states met in Tallinn on Tuesday to agree a joint plan for the protection of "
    "undersea cables, after two data lines between Finland and Estonia were damaged last month. The plan "
    "sets up shared patrols of the shipping lanes and a register of vessels that anchor near the cables. "
    "Officials said the patrols would start in the spring and be reviewed after a year, and that the cost "
    "would be shared according to the length of cable each country is responsible for. Shipping companies "
    "welcomed the register but warned that delays in the lanes would raise freight prices for the region."
)


def _true_jaccard(left: str, right: str) -> float:
    a, b = set(shingles(left)), set(shingles(right))
    return len(a & b) / len(a | b)


def test_normalisation_drops_case_punctuation_and_whitespace() -> None:
    # Given the same words written with other case, punctuation, spacing and compatibility forms
    # Then they normalise to the same words
    assert normalised_words("The  PLAN, agreed\u00a0on Tuesday:\n\n“shared patrols”!") == [
        "the",
        "plan",
        "agreed",
        "on",
        "tuesday",
        "shared",
        "patrols",
    ]
    assert normalised_words("ﬁnland") == ["finland"]  # the ligature folds (NFKC)


def test_shingles_are_overlapping_runs_of_words() -> None:
    words = "one two three four five six seven"
    assert shingles(words) == ["one two three four five", "two three four five six", "three four five six seven"]
    assert shingles("just three words") == ["just three words"]
    assert shingles("  ... ") == []
    assert SHINGLE_WORDS == 5


def test_the_signature_ignores_formatting_but_not_words() -> None:
    # Given a text and the same text re-wrapped, re-cased and re-punctuated
    reformatted = STORY.upper().replace(". ", ".\n\n").replace(",", " ;")
    # Then the signatures are equal, band keys and all
    assert signature_of(STORY) == signature_of(reformatted)
    # And one changed word changes the signature
    assert signature_of(STORY) != signature_of(STORY.replace("Tallinn", "Riga"))


def test_the_signature_is_stable_across_runs_and_versions() -> None:
    # A signature stored in the index must be recomputed identically by every later ingest: a change
    # of library, seed or normalisation changes these values and needs a new SCHEME.
    signature = signature_of(STORY)
    assert signature.scheme == SCHEME
    values = struct.unpack(f"<{NUM_PERM}I", base64.b64decode(signature.minhash))
    assert signature.bands == [f"{band}:{values[band]:08x}" for band in range(LSH_BANDS)]
    assert base64.b64decode(signature.sketch) == bytes(value & 0xFF for value in values)
    assert signature.bands == ["0:099ddce9", "1:0549347c", "2:0e4b9784"]


def test_the_sketch_estimates_the_jaccard_similarity() -> None:
    # Given a copy with its last sentence cut and a credit added, and an unrelated text
    copy = "TALLINN (Reuters) - " + STORY.rsplit(". ", 1)[0] + ". Editor's note: updated with reaction."
    other = "Central banks in Asia held their rates on Monday as markets waited for the data on prices. " * 3
    # Then the estimate is close to the real similarity, far apart on either side of the threshold
    estimate = estimated_jaccard(signature_of(STORY).sketch, signature_of(copy).sketch)
    assert abs(estimate - _true_jaccard(STORY, copy)) < 0.15
    assert estimate > SAME_STORY_JACCARD
    assert estimated_jaccard(signature_of(STORY).sketch, signature_of(other).sketch) < 0.1
    assert estimated_jaccard(signature_of(STORY).sketch, signature_of(STORY).sketch) == 1.0


def test_a_bad_sketch_is_a_clear_error() -> None:
    with pytest.raises(InvalidSketch):
        estimated_jaccard("not base64!", signature_of(STORY).sketch)
    assert estimated_jaccard(base64.b64encode(b"ab").decode(), signature_of(STORY).sketch) == 0.0


def test_short_texts_get_no_band_keys_so_never_join_a_story() -> None:
    # Given a brief under MIN_STORY_WORDS words
    brief = " ".join(STORY.split()[: MIN_STORY_WORDS - 1])
    # Then it has a sketch but no band keys; at the limit it has them
    assert signature_of(brief).bands == []
    assert len(signature_of(" ".join(STORY.split()[:MIN_STORY_WORDS])).bands) == LSH_BANDS


def test_any_text_parsing_lets_through_has_a_signature() -> None:
    # Lone surrogates and control characters are not words: they never reach the MinHash library
    assert len(signature_of("abc \ud800 def \x00 ghi " * 20).bands) == LSH_BANDS
    assert signature_of("\x00\x01" * 50).bands == []
    assert signature_of("").bands == []

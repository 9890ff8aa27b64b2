"""The MinHash signature of an article's main text, computed at ingest: the text is normalised
(Unicode compatibility forms folded, case folded, punctuation and whitespace dropped: the words
alone), cut into overlapping 5-word shingles, and hashed by rensa's `RMinHash` into 128 values.
The first `LSH_BANDS` x `LSH_ROWS` values give the band keys the index files the article under;
the low byte of each value gives the sketch that estimates the Jaccard similarity
(`newsingest.stories.similarity`). rensa was chosen over datasketch: 0.04 ms against 3.1 ms per
article, and no numpy/scipy in the ingest artifact (docs/benchmarks.md#near-duplicates)."""

from __future__ import annotations

import base64
import re
import struct
import unicodedata

from rensa import RMinHash

from newsingest.models import Signature
from newsingest.stories.similarity import SKETCH_BITS

SHINGLE_WORDS = 5
"""Words per shingle. Calibrated on the WCXB texts (`bench/dedup.py`): with 3 words, common phrases
("one of the") make a MinHash minimum shared by up to 16 of 705 unrelated articles, so a band key
is hot; with 5 words at most 2 share one, while a syndicated variant keeping 70% of the text keeps
a Jaccard similarity of 0.63 at the 5th percentile (0.64 with 3 words): copy edits cost little."""

NUM_PERM = 128
"""MinHash values: the estimate's standard error is at most 0.044 (at a Jaccard of 0.5), tight
enough for a threshold with 0.15 of margin on each side; more values would only grow the sketch."""

MINHASH_SEED = 20261205
"""Fixed forever for a scheme: signatures made with another seed never match (`SCHEME`)."""

LSH_BANDS = 3
"""Band keys per article. Each is one index item (1 write unit), so the write budget (at most 3
more write units per article) allows three. A copy is found when one band agrees."""

LSH_ROWS = 1
"""MinHash values per band. One value agrees between two texts with probability equal to their
Jaccard similarity J, so a copy is found with probability 1 - (1 - J)^3: 0.95 at J = 0.63, the
5th percentile of variants keeping 70% of the text. Two rows would give 0.78 there. Unrelated
articles collide in a band with probability J too (under 0.02 for 5-word shingles), and a
candidate is kept only past `SAME_STORY_JACCARD`."""

MIN_STORY_WORDS = 40
"""Texts of fewer words get no band keys, so they are never grouped into a story: briefs and
templated items (a share price, a score, "NATO met on day 3") share most of their few shingles
without being copies of one another, and syndicated wire stories run to hundreds of words."""

SCHEME = f"minhash-r{NUM_PERM}-w{SHINGLE_WORDS}-s{MINHASH_SEED}-b{LSH_BANDS}x{LSH_ROWS}"
"""Names everything above: band keys and sketches of different schemes are never compared."""

_WORD = re.compile(r"\w+")


def normalised_words(text: str) -> list[str]:
    """The words of a text as copies of it share them: NFKC-folded, case-folded, punctuation and
    whitespace dropped (`\\w+` runs: "U.S." and "US" differ, "don't" is "don" "t" everywhere)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = SHINGLE_WORDS) -> list[str]:
    """Every run of `size` consecutive normalised words, in order (one shingle of all the words
    when there are fewer)."""
    return _shingles(normalised_words(text), size)


def _shingles(words: list[str], size: int) -> list[str]:
    if len(words) <= size:
        return [" ".join(words)] if words else []
    return [" ".join(words[start : start + size]) for start in range(len(words) - size + 1)]


def signature_of(text: str) -> Signature:
    """The text's MinHash signature with its band keys (none under `MIN_STORY_WORDS` words) and
    sketch (an empty text has one of no words)."""
    words = normalised_words(text)
    minhash = RMinHash(NUM_PERM, MINHASH_SEED)
    minhash.update(_shingles(words, SHINGLE_WORDS) or [""])
    values = [int(value) for value in minhash.digest()]
    bands = [
        f"{band}:{''.join(f'{value:08x}' for value in values[band * LSH_ROWS : (band + 1) * LSH_ROWS])}"
        for band in range(LSH_BANDS)
        if len(words) >= MIN_STORY_WORDS
    ]
    mask = (1 << SKETCH_BITS) - 1
    return Signature(
        scheme=SCHEME,
        bands=bands,
        sketch=base64.b64encode(bytes(value & mask for value in values)).decode("ascii"),
        minhash=base64.b64encode(struct.pack(f"<{NUM_PERM}I", *values)).decode("ascii"),
    )

"""Comparing two articles' fingerprints without their texts: the estimated Jaccard similarity of
their word shingles from the one-byte MinHash sketches the events and band items carry, and the
threshold above which two articles are copies of one story (docs/design.md#stories). Plain Python,
so the indexer and the API carry no MinHash library."""

from __future__ import annotations

import base64
import binascii

SKETCH_BITS = 8
"""Bits kept of each MinHash value: two different values agree on their low 8 bits once in 256, a
bias the estimate removes; 128 bytes per article instead of 512, standard error unchanged to two
decimals (0.044 at a Jaccard of 0.5 with 128 values)."""

SAME_STORY_JACCARD = 0.4
"""Estimated Jaccard similarity of 5-word shingles from which two articles are one story. Measured
with `bench/dedup.py` on the WCXB pages and their halves (texts of one site, template and topic):
of the 59 distinct pairs that share a band value (the only ones a look-up compares), the closest
estimates 0.24 (exact 0.21); syndicated variants keeping 70% of the text or more estimate 0.63
against their page at the 5th percentile. 0.4 lies between, each margin over three standard errors
of the estimate (0.044 at most)."""


class InvalidSketch(ValueError):
    """A sketch that is not base64 of one byte per MinHash value."""


def sketch_bytes(sketch: str) -> bytes:
    try:
        return base64.b64decode(sketch.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError) as exc:
        raise InvalidSketch("sketch is not base64") from exc


def estimated_jaccard(left: str, right: str) -> float:
    """The Jaccard similarity two sketches estimate: the share of equal bytes, less the chance that
    two different values agree on their low `SKETCH_BITS` bits (b-bit MinHash, Li and König 2010);
    0.0 for sketches of different lengths (made by different schemes)."""
    a, b = sketch_bytes(left), sketch_bytes(right)
    if len(a) != len(b) or not a:
        return 0.0
    equal = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    chance = 1 / (1 << SKETCH_BITS)
    return max(0.0, (equal - chance) / (1 - chance))

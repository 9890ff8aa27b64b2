"""Named step boundaries of the ingest and indexer functions, where the chaos tests kill an
invocation as a Lambda timeout or out-of-memory would: `reached(boundary)` calls the installed hook,
which may raise `SimulatedCrash`. Nothing is installed in Lambda, so there `reached` is one global
lookup and a comparison. Imports nothing from the project.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum


class Boundary(StrEnum):
    """Where a crash may strike: between two steps whose effects are stored separately."""

    INGEST_PARSED = "ingest.parsed"
    """Every message of the batch read, parsed and analysed; nothing stored yet."""
    INGEST_STORED = "ingest.stored"
    """The batch's parsed articles written to S3; nothing announced yet."""
    INGEST_BETWEEN_RECORDS = "ingest.between_records"
    """One SQS record's changes announced, the next record's not yet."""
    INDEX_BETWEEN_RECORDS = "index.between_records"
    """Before applying an event of the batch (the first included)."""
    INDEX_CLAIMED = "index.claimed"
    """A multi-record object's new source item written, its articles not yet."""
    INDEX_POSTINGS = "index.postings"
    """An article's postings and quotes written, its article item not yet."""
    INDEX_ARTICLE = "index.article"
    """The article item written (with this source), the object's source or record item not yet."""
    INDEX_SOURCE_REMOVED = "index.source_removed"
    """An article's last source removed, its postings not yet deleted."""
    INDEX_POSTINGS_DELETED = "index.postings_deleted"
    """A detached article's postings and quotes deleted, its article item not yet."""


class SimulatedCrash(BaseException):
    """The invocation dies here. A BaseException, so that no `except Exception` of ours, of
    Powertools' batch processor or of its idempotency utility catches it: like a timeout, it ends
    the invocation and SQS delivers the whole batch again."""


Hook = Callable[[str], None]
_hook: Hook | None = None


def reached(boundary: Boundary) -> None:
    """Called by the functions at each boundary; does nothing unless a hook is installed."""
    if _hook is not None:
        _hook(boundary)


@contextmanager
def installed(hook: Hook) -> Iterator[None]:
    """Install `hook` for the block (one hook per process)."""
    global _hook
    previous, _hook = _hook, hook
    try:
        yield
    finally:
        _hook = previous


class CrashAtRandom:
    """A hook that crashes at each boundary reached with probability `rate` (seeded), counting
    the crashes per boundary."""

    def __init__(self, rate: float, seed: int, boundaries: Iterable[Boundary] = tuple(Boundary)) -> None:
        self.rate = rate
        self.crashes: Counter[str] = Counter()
        self.reached: Counter[str] = Counter()
        self._boundaries = frozenset(boundaries)
        self._rng = random.Random(f"crash/{seed}")  # noqa: S311 - seeded, not secret
        self._lock = threading.Lock()

    def __call__(self, boundary: str) -> None:
        with self._lock:
            self.reached[boundary] += 1
            if boundary not in self._boundaries or self._rng.random() >= self.rate:
                return
            self.crashes[boundary] += 1
        raise SimulatedCrash(boundary)

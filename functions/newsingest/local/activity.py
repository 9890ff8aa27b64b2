"""What `newsingest local up` prints while it runs: one line for each article the indexer indexed,
each object it recorded as rejected and each delete it applied, made from the event the indexer
applied and the outcome it reported (nothing is read back from S3 or the index).

    indexed  incoming/belarus.txt  "Belarus-Russia: History of alliance explained as Putin ‘wil…"  35 entities
    rejected incoming/empty.html  empty: the object is empty
    deleted  incoming/belarus.txt
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TextIO

from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsedEvent,
    EntitiesReleasedEvent,
    IndexEvent,
    StrayIndexEntriesEvent,
)
from newsingest.indexing.service import Outcome

TITLE_CHARS = 60
MESSAGE_CHARS = 100
"""Where a title and a rejection message are cut: one line stays readable on a terminal."""

ACTION_WIDTH = len("rejected")

_NOTES = {
    ("indexed", Outcome.REPLACED): "replaces the key's previous article",
    ("indexed", Outcome.SOURCE_ADDED): "same text as an article already indexed",
    ("indexed", Outcome.ALREADY_INDEXED): "already indexed",
    ("indexed", Outcome.REINDEXED): "re-indexed: newer versions made it again",
    ("rejected", Outcome.REPLACED): "the key's previous article is removed",
    ("deleted", Outcome.UNKNOWN_SOURCE): "no article was indexed from it",
    ("deleted", Outcome.OTHER_VERSION): "an older version; the current one stays indexed",
}
"""What an outcome adds to its line, where it is not the plain case."""


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(event: IndexEvent, outcome: Outcome) -> str | None:
    """The line for one applied event; None for an event that changed nothing because a newer
    one for its object was applied first (its own line said what the object holds now)."""
    if outcome is Outcome.STALE or isinstance(event, EntitiesReleasedEvent):
        return None  # housekeeping after a removal, whose own line said what left
    if isinstance(event, StrayIndexEntriesEvent):
        if outcome is not Outcome.STRAY_REMOVED:
            return None
        return f"{'repaired':<{ACTION_WIDTH}} article {event.data.article_id}  (stray index entries removed)"
    where = event.data.source.key
    if isinstance(event, ArticleParsedEvent):
        parsed = event.data
        if parsed.record_count > 1 and parsed.source.record is not None:
            where += f" [record {parsed.source.record + 1} of {parsed.record_count}]"
        title = f'"{_shorten(parsed.title, TITLE_CHARS)}"' if parsed.title else "(untitled)"
        count = len(parsed.entities)
        fields = ["indexed", where, title, f"{count} entit{'y' if count == 1 else 'ies'}"]
    elif isinstance(event, ArticleDeletedEvent):
        fields = ["deleted", where]
    else:
        rejected = event.data
        fields = ["rejected", where, f"{rejected.reason}: {_shorten(rejected.message, MESSAGE_CHARS)}"]
    note = _NOTES.get((fields[0], outcome))
    if note:
        fields.append(f"({note})")
    return f"{fields[0]:<{ACTION_WIDTH}} " + "  ".join(fields[1:])


class ActivityPrinter:
    """An `applied` listener of the indexer handler that prints each line to `out`."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def __call__(self, event: IndexEvent, outcome: Outcome) -> None:
        line = describe(event, outcome)
        if line is None:
            return
        # a closed or broken stdout must not fail the indexer's batch
        with self._lock, suppress(OSError, ValueError):
            print(line, file=self._out, flush=True)


@contextmanager
def printed(out: TextIO) -> Iterator[None]:
    """Print the indexer's activity to `out` for the block. Enter it inside `local_stack`: the
    handler's import builds the functions' logger, which must see the local environment first."""
    from newsingest.handlers import indexer

    printer = ActivityPrinter(out)
    indexer.applied_listeners.append(printer)
    try:
        yield
    finally:
        indexer.applied_listeners.remove(printer)

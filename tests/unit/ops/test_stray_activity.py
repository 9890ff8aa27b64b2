"""`local up` prints a line for a reconcile's repair the indexer applied, and nothing when there was
nothing left to remove."""

from __future__ import annotations

from datetime import UTC, datetime

from newsingest.events import StrayIndexEntries, stray_index_entries_event
from newsingest.indexing.service import Outcome
from newsingest.local.activity import describe

EVENT = stray_index_entries_event(StrayIndexEntries(article_id="a" * 32, unsourced=True, found_at=datetime.now(UTC)))


def test_a_repair_is_printed_with_its_article() -> None:
    assert describe(EVENT, Outcome.STRAY_REMOVED) == f"repaired article {'a' * 32}  (stray index entries removed)"


def test_a_repair_that_found_nothing_left_prints_nothing() -> None:
    assert describe(EVENT, Outcome.NOTHING_STRAY) is None


def test_the_same_findings_give_the_same_event_id() -> None:
    again = stray_index_entries_event(EVENT.data.model_copy(update={"found_at": datetime(2020, 1, 1, tzinfo=UTC)}))
    assert again.id == EVENT.id and EVENT.source == "newsingest/reconcile"

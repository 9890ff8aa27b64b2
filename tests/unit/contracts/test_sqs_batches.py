"""How events are cut into SendMessageBatch requests: ten at most, 256 KiB at most."""

from __future__ import annotations

from datetime import UTC, datetime

from newsingest.adapters.sqs import SQS_BATCH_LIMIT, SQS_BATCH_MAX_BYTES, _batches
from newsingest.events import article_deleted_event
from newsingest.models import SourceRef


def _event(n: int) -> object:
    return article_deleted_event(SourceRef(bucket="b", key=f"incoming/{n}.txt"), received_at=datetime.now(UTC))


def test_small_events_go_ten_to_a_request() -> None:
    entries = [(_event(n), "{}") for n in range(23)]
    assert [len(batch) for batch in _batches(entries)] == [10, 10, 3]  # type: ignore[arg-type]
    assert SQS_BATCH_LIMIT == 10


def test_large_events_are_cut_before_the_request_would_pass_256_kib() -> None:
    body = "x" * (100 * 1024)
    entries = [(_event(n), body) for n in range(5)]
    batches = _batches(entries)  # type: ignore[arg-type]
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert all(sum(len(b.encode()) for _, b in batch) <= SQS_BATCH_MAX_BYTES for batch in batches)

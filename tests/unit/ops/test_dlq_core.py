"""The dead-letter tools' plain-Python side: what a dead letter is, and following SQS's message-move
task where an endpoint has one (moto has none, so its runs are in tests/integration/test_dlq.py;
the task's answers here are the shapes ListMessageMoveTasks documents)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from newsingest.events import article_deleted_event
from newsingest.models import SourceRef
from newsingest.ops.dlq import Cause, QueuedMessage, cause_of, redrive
from newsingest.ops.messages import StoredObject, object_created_message

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_dead_letter_is_named_by_what_it_is_and_the_key_it_is_about() -> None:
    created = object_created_message("b", StoredObject("incoming/a b.txt", 1, "e", "v1", NOW), run_id="backfill-1")
    deleted = article_deleted_event(SourceRef(bucket="b", key="incoming/c.txt"), received_at=NOW).model_dump_json()
    assert cause_of(created) == Cause("S3 created (replay)", key="incoming/a b.txt", detail="v1")
    assert cause_of(deleted) == Cause("ArticleDeleted", key="incoming/c.txt")
    assert cause_of(json.dumps({"Event": "s3:TestEvent"})) == Cause("s3:TestEvent")
    assert cause_of("{").kind == "unparseable"
    assert cause_of('{"type": "newsingest.ArticleParsed"}').kind == "unparseable"


class TaskQueue:
    """A DeadLetterQueue whose endpoint runs move tasks, answering with the given statuses in turn."""

    def __init__(self, statuses: list[dict[str, Any]]) -> None:
        self.statuses = statuses

    def receive(self, *, max_messages: int, visibility_seconds: int) -> list[QueuedMessage]:
        raise AssertionError("a move task moves the messages itself")

    def release(self, messages: Sequence[QueuedMessage]) -> None:
        raise AssertionError

    def send_to_source(self, message: QueuedMessage) -> None:
        raise AssertionError

    def delete(self, message: QueuedMessage) -> None:
        raise AssertionError

    def start_move_task(self) -> str | None:
        return "task-1"

    def move_task_status(self) -> dict[str, Any] | None:
        return self.statuses.pop(0)

    def depth(self) -> int:
        return 3


def test_a_move_task_is_followed_to_its_end() -> None:
    queue = TaskQueue(
        [
            {"Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 1, "ApproximateNumberOfMessagesToMove": 3},
            {"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3, "ApproximateNumberOfMessagesToMove": 3},
        ]
    )
    out = io.StringIO()
    result = redrive(queue, "index DLQ", out=out, sleep=lambda _: None)
    assert (result.method, result.moved) == ("move task", 3)
    assert "index DLQ: RUNNING, 1 of 3 moved" in out.getvalue()


def test_a_failed_move_task_is_an_error_with_its_reason() -> None:
    queue = TaskQueue([{"Status": "FAILED", "FailureReason": "AccessDenied", "ApproximateNumberOfMessagesMoved": 0}])
    with pytest.raises(RuntimeError, match="FAILED: AccessDenied"):
        redrive(queue, "index DLQ", out=io.StringIO(), sleep=lambda _: None)

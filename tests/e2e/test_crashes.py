"""Both functions killed at each of their step boundaries (`crashpoints.Boundary`), as a Lambda
timeout or out-of-memory kills them: the whole batch comes back from SQS, and once the queues are
drained the index agrees with the bucket (the audit of `local/audit.py` finds nothing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from newsingest import crashpoints
from newsingest.crashpoints import Boundary, SimulatedCrash
from newsingest.local.audit import Expectations, audit

ARTICLES = Path(__file__).parents[1] / "fixtures" / "articles"
SAMPLE = (ARTICLES / "belarus-russia-alliance.txt").read_bytes()
FERRY = (ARTICLES / "lakeside-ferry-us-local.txt").read_bytes()
FLOOD = (ARTICLES / "riverton-flood-budget.txt").read_bytes()
WIND = (ARTICLES / "northsea-wind-uk-broadsheet.txt").read_bytes()
RECORDS = json.dumps(
    [
        {"title": "Ferry service returns", "text": FERRY.decode().split("\n", 1)[1]},
        {"title": "Flood budget approved", "text": FLOOD.decode().split("\n", 1)[1]},
    ]
).encode()


@pytest.fixture(scope="module")
def expectations() -> Expectations:
    return Expectations()


@contextmanager
def killed_once_at(boundary: Boundary) -> Iterator[list[str]]:
    """Kill the invocation the first time the flow reaches `boundary`; yields what was killed."""
    killed: list[str] = []

    def hook(reached: str) -> None:
        if reached == boundary and not killed:
            killed.append(reached)
            raise SimulatedCrash(reached)

    with crashpoints.installed(hook):
        yield killed


def changes(s3: Any, bucket: str, pipeline: Any) -> None:
    """Two uploads in one ingest batch (one of two records), then an overwrite with other text."""
    s3.put_object(Bucket=bucket, Key="incoming/story.txt", Body=SAMPLE)
    s3.put_object(Bucket=bucket, Key="incoming/records.json", Body=RECORDS, ContentType="application/json")
    pipeline.run()
    s3.put_object(Bucket=bucket, Key="incoming/story.txt", Body=WIND)
    pipeline.run()


@pytest.mark.parametrize("boundary", list(Boundary))
def test_a_function_killed_at_a_step_boundary_leaves_the_index_as_if_it_had_not_been(
    pipeline: Any, clients: dict[str, Any], expectations: Expectations, boundary: Boundary
) -> None:
    # Given a function that dies the first time it reaches the boundary
    s3, bucket = clients["s3"], pipeline.stack.bucket
    with killed_once_at(boundary) as killed:
        # When the bucket changes and the queues are drained
        changes(s3, bucket, pipeline)
    # Then it was killed there, and the index holds what the bucket's objects give, nothing else
    assert killed == [boundary]
    from newsingest.adapters.dynamodb import DynamoIndex

    found = audit(s3, DynamoIndex(clients["dynamodb"], pipeline.stack.table_name), bucket, expectations)
    assert found.clean, dict(found.examples)
    assert found.live_objects == 2 and found.live_articles == 3

"""`newsingest reindex` against `newsingest local up`, as a person runs it with --endpoint-url: a dry
run selects nothing the running versions made, and a run forced with --older-than sends the
article's object through the running pipeline, which re-processes it without changing the index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.cli import main
from newsingest.local.up import LocalEndpoints, local_stack

ARTICLE = Path(__file__).parents[1] / "fixtures" / "articles" / "riverton-flood-budget.txt"
IDLE_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="module")
def endpoints() -> Iterator[LocalEndpoints]:
    with local_stack(aws_port=0, api_port=0) as running:
        yield running


def client(endpoints: LocalEndpoints, service: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return session.client(service, endpoint_url=endpoints.aws)


def wait_until_idle(sqs: Any, queues: list[str]) -> None:
    """Both pipeline queues empty (visible and in flight) on three polls in a row."""
    deadline, quiet = time.monotonic() + IDLE_TIMEOUT_SECONDS, 0
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    while quiet < 3:
        assert time.monotonic() < deadline, "the pipeline did not drain in time"
        pending = sum(
            int(value)
            for url in queues
            for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
        )
        quiet = quiet + 1 if pending == 0 else 0
        time.sleep(0.2)


def index_items(endpoints: LocalEndpoints) -> list[dict[str, Any]]:
    """The index's items but for what a re-processing rightly refreshes (the parsed copy, the time
    the object was last seen), in key order."""
    refreshed = {"parsed_uri", "parsed_range", "event_time", "sequencer"}
    items = client(endpoints, "dynamodb").scan(TableName="newsingest-index")["Items"]
    kept = [{name: value for name, value in item.items() if name not in refreshed} for item in items]
    return sorted(kept, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def source_seen(endpoints: LocalEndpoints) -> datetime:
    """When the index last saw the object change (a replay's read, for a re-processing)."""
    item = client(endpoints, "dynamodb").get_item(
        TableName="newsingest-index",
        Key={"pk": {"S": f"SOURCE#{endpoints.bucket}/incoming/riverton.txt"}, "sk": {"S": "SOURCE"}},
    )["Item"]
    return datetime.fromisoformat(item["event_time"]["S"])


def test_reindex_through_local_up(endpoints: LocalEndpoints, capsys: pytest.CaptureFixture[str]) -> None:
    s3, sqs = client(endpoints, "s3"), client(endpoints, "sqs")
    queues = [sqs.get_queue_url(QueueName=f"newsingest-{name}")["QueueUrl"] for name in ("ingest", "index")]
    local = ["--stack", "newsingest", "--endpoint-url", endpoints.aws]
    # Given an article indexed by the running versions
    s3.put_object(Bucket=endpoints.bucket, Key="incoming/riverton.txt", Body=ARTICLE.read_bytes())
    wait_until_idle(sqs, queues)
    before, seen = index_items(endpoints), source_seen(endpoints)
    # When a dry run asks what older versions made
    assert main(["reindex", *local, "--dry-run"]) == 0
    # Then nothing is selected, and nothing is sent
    assert "0 article(s) to re-process, from 0 object(s)" in capsys.readouterr().out
    # When a run is forced for everything made before a future alias table
    assert main(["reindex", *local, "--older-than", "aliases=9999.0.0", "--rate", "100"]) == 0
    shown = capsys.readouterr()
    assert "1 article(s) to re-process, from 1 object(s)" in shown.out
    assert "reindex: 1/1 objects sent (100%)" in shown.err
    wait_until_idle(sqs, queues)
    # Then the pipeline re-processed it (the object was seen again) with the same versions, which
    # changes nothing else in the index
    assert source_seen(endpoints) > seen
    assert index_items(endpoints) == before
    assert main(["reconcile", *local, "--grace", "0"]) == 0

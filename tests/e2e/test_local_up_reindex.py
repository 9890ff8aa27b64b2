"""`newsingest reindex` against `newsingest local up`, as a person runs it with --endpoint-url: a dry
run selects nothing the running versions made, and a run forced with --older-than sends the
article's object through the running pipeline, which re-processes it without changing the index."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsingest.cli import main
from newsingest.local.up import LocalEndpoints

ARTICLE = Path(__file__).parents[1] / "fixtures" / "articles" / "riverton-flood-budget.txt"


def index_items(dynamodb: Any) -> list[dict[str, Any]]:
    """The index's items but for what a re-processing rightly refreshes (the parsed copy, the time
    the object was last seen), in key order."""
    refreshed = {"parsed_uri", "parsed_range", "event_time", "sequencer"}
    items = dynamodb.scan(TableName="newsingest-index")["Items"]
    kept = [{name: value for name, value in item.items() if name not in refreshed} for item in items]
    return sorted(kept, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))


def source_seen(dynamodb: Any, bucket: str) -> datetime:
    """When the index last saw the object change (a replay's read, for a re-processing)."""
    item = dynamodb.get_item(
        TableName="newsingest-index",
        Key={"pk": {"S": f"SOURCE#{bucket}/incoming/riverton.txt"}, "sk": {"S": "SOURCE"}},
    )["Item"]
    return datetime.fromisoformat(item["event_time"]["S"])


def test_reindex_through_local_up(
    endpoints: LocalEndpoints,
    local_aws: Callable[[str], Any],
    wait_until_idle: Callable[[], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    s3, dynamodb = local_aws("s3"), local_aws("dynamodb")
    local = ["--stack", "newsingest", "--endpoint-url", endpoints.aws]
    # Given an article indexed by the running versions
    s3.put_object(Bucket=endpoints.bucket, Key="incoming/riverton.txt", Body=ARTICLE.read_bytes())
    wait_until_idle()
    before, seen = index_items(dynamodb), source_seen(dynamodb, endpoints.bucket)
    # When a dry run asks what older versions made
    assert main(["reindex", *local, "--dry-run"]) == 0
    # Then nothing is selected, and nothing is sent
    assert "0 article(s) to re-process, from 0 object(s)" in capsys.readouterr().out
    # When a run is forced for everything made before a future alias table
    assert main(["reindex", *local, "--older-than", "aliases=9999.0.0", "--rate", "100"]) == 0
    shown = capsys.readouterr()
    assert "1 article(s) to re-process, from 1 object(s)" in shown.out
    assert "reindex: 1/1 objects sent (100%)" in shown.err
    wait_until_idle()
    # Then the pipeline re-processed it (the object was seen again) with the same versions, which
    # changes nothing else in the index
    assert source_seen(dynamodb, endpoints.bucket) > seen
    assert index_items(dynamodb) == before
    assert main(["reconcile", *local, "--grace", "0"]) == 0

"""Stories through `newsingest local up`, used as a person would: an article and a syndicated copy
of it uploaded with boto3 become one story, which the HTTP API and `newsingest query` show."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.adapters.api_client import QueryClient
from newsingest.cli import main
from newsingest.local.up import LocalEndpoints

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
ENTITY = "person:priya-natarajan"
INDEXING_TIMEOUT_SECONDS = 90


def syndicated(text: str) -> str:
    """The copy another site runs: a wire credit, the last paragraphs cut, an editor's note."""
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n\n".join(["RIVERTON (Reuters) - " + lines[0], *lines[1:-3], "Editor's note: updated with the vote."])


@pytest.fixture
def signing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def _wait_for(api: QueryClient, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + INDEXING_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            items: list[dict[str, Any]] = api.get(f"/v1/entities/{ENTITY}/articles")["items"]
        except Exception:
            items = []
        if len(items) == count and all(item.get("story_id") for item in items):
            return items
        time.sleep(0.3)
    pytest.fail("the uploads were not indexed in time")


@pytest.mark.usefixtures("signing_credentials")
def test_a_syndicated_copy_is_one_story_with_its_original(
    endpoints: LocalEndpoints, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an article and, an hour later on another site, a syndicated copy of it
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoints.aws,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    text = (FIXTURES / "riverton-flood-budget.txt").read_text(encoding="utf-8")
    s3.put_object(Bucket=endpoints.bucket, Key="incoming/gazette/flood.txt", Body=text.encode())
    api = QueryClient(endpoints.api, region="us-east-1")
    (first,) = _wait_for(api, 1)
    s3.put_object(Bucket=endpoints.bucket, Key="incoming/wire/flood.txt", Body=syndicated(text).encode())
    # When both are indexed
    items = _wait_for(api, 2)
    # Then they are one story of two, the first upload canonical (neither gives a date)
    copy = next(item for item in items if item["article_id"] != first["article_id"])
    story = api.get(f"/v1/articles/{copy['article_id']}")["story"]
    assert story["copy_count"] == 2 and story["id"] == first["story_id"] == copy["story_id"]
    assert api.get(f"/v1/entities/{ENTITY}")["story_count"] == 1
    # And the CLI shows the story, the entity's articles collapsed to it, and the totals
    base = ["query", "--endpoint-url", endpoints.api]
    assert main([*base, "story", story["id"]]) == 0
    out = capsys.readouterr().out
    assert "2 copies" in out and "incoming/wire/flood.txt" in out and "incoming/gazette/flood.txt" in out
    assert main([*base, "articles", ENTITY, "--collapse"]) == 0
    header, _, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "copies" and len(rows) == 1 and rows[0].split()[-1] == "2"
    assert main([*base, "entity", ENTITY]) == 0
    assert "2 article(s) in 1 story" in capsys.readouterr().out
    assert main([*base, "article", copy["article_id"]]) == 0
    assert f"Story {story['id']}: 2 copies" in capsys.readouterr().out

"""`newsingest reconcile` against moto: a clean index agrees (exit 0); each kind of drift made by
hand is found (exit 1), and `--fix` repairs it through the pipeline, after which it agrees again."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from newsingest.adapters.dynamodb import DynamoIndex, from_attribute_values
from newsingest.adapters.ops import DynamoIndexScan, S3Listing
from newsingest.cli import main
from newsingest.indexing.items import ARTICLE_SK, SOURCE_SK, PostingItem, article_pk, postings_for, source_pk
from newsingest.ops.reconcile import reconcile


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["reconcile", "--stack", "newsingest", "--grace", "0", "--json", *args])
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def indexed(pipeline: Any, clients: dict[str, Any], kit: SimpleNamespace) -> SimpleNamespace:
    """A stack that indexed two articles, a JSON feed of two records, a rejection and a deleted object."""
    s3, bucket = clients["s3"], pipeline.stack.bucket
    s3.put_object(Bucket=bucket, Key="incoming/a.txt", Body=kit.story("fisheries"))
    s3.put_object(Bucket=bucket, Key="incoming/b.txt", Body=kit.story("shipping"))
    feed = [{"title": f"Record {n}", "content": kit.story(f"grain {n}").decode()} for n in range(2)]
    s3.put_object(Bucket=bucket, Key="incoming/feed.json", Body=json.dumps(feed).encode())
    s3.put_object(Bucket=bucket, Key="incoming/empty.txt", Body=b"")
    s3.put_object(Bucket=bucket, Key="incoming/gone.txt", Body=kit.story("timber"))
    pipeline.run()
    s3.delete_object(Bucket=bucket, Key="incoming/gone.txt")
    pipeline.run()
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    return SimpleNamespace(
        s3=s3, bucket=bucket, index=index, dynamodb=clients["dynamodb"], table=pipeline.stack.table_name
    )


def test_a_clean_index_agrees_with_its_bucket(indexed: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    status, report = run(capsys)
    assert status == 0 and report["agrees"] is True
    assert report["counts"] == {"lost": 0, "duplicated": 0, "stale": 0, "orphaned": 0, "totals_off": 0}
    assert report["checked"]["objects"] == 4 and report["checked"]["articles"] == 4


def test_the_core_api_counts_each_kind(indexed: SimpleNamespace, pipeline: Any, clients: dict[str, Any]) -> None:
    report = reconcile(S3Listing(clients["s3"], indexed.bucket), DynamoIndexScan(clients["dynamodb"], indexed.table))
    assert (report.lost, report.duplicated, report.stale, report.orphaned, report.totals_off) == (0, 0, 0, 0, 0)
    assert report.agrees


def delete_item(indexed: SimpleNamespace, pk: str, sk: str) -> None:
    indexed.dynamodb.delete_item(TableName=indexed.table, Key={"pk": {"S": pk}, "sk": {"S": sk}})


def a_source(indexed: SimpleNamespace, key: str) -> Any:
    source = indexed.index.get_source(indexed.bucket, key)
    assert source is not None
    return source


def lose_the_source_item(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    delete_item(indexed, source_pk(indexed.bucket, "incoming/a.txt"), SOURCE_SK)


def lose_a_posting(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    article = indexed.index.get_article(a_source(indexed, "incoming/b.txt").article_id)
    posting = postings_for(article)[0]
    delete_item(indexed, posting.pk, posting.sk)


def remove_an_object_without_its_event(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    with kit.unwired(indexed.s3, indexed.bucket):
        indexed.s3.delete_object(Bucket=indexed.bucket, Key="incoming/a.txt")


def overwrite_an_object_without_its_event(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    with kit.unwired(indexed.s3, indexed.bucket):
        indexed.s3.put_object(Bucket=indexed.bucket, Key="incoming/a.txt", Body=kit.story("whaling"))


def add_a_dangling_posting(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    article = indexed.index.get_article(a_source(indexed, "incoming/b.txt").article_id)
    nobody = article.entities[0].model_copy(update={"id": "person:nobody-here", "name": "Nobody Here"})
    indexed.index.put_postings([PostingItem.of(article, nobody)])


def add_a_posting_of_a_missing_article(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    article = indexed.index.get_article(a_source(indexed, "incoming/b.txt").article_id)
    ghost = article.model_copy(update={"article_id": "0" * 32, "pk": article_pk("0" * 32)})
    indexed.index.put_postings(postings_for(ghost)[:2])


def list_an_object_under_a_second_article(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    other = a_source(indexed, "incoming/b.txt").article_id
    indexed.dynamodb.update_item(
        TableName=indexed.table,
        Key={"pk": {"S": article_pk(other)}, "sk": {"S": ARTICLE_SK}},
        UpdateExpression="ADD sources :s",
        ExpressionAttributeValues={":s": {"SS": [f"{indexed.bucket}/incoming/a.txt"]}},
    )


def leave_an_article_no_source(indexed: SimpleNamespace, kit: SimpleNamespace) -> None:
    article_id = a_source(indexed, "incoming/b.txt").article_id
    indexed.dynamodb.update_item(
        TableName=indexed.table,
        Key={"pk": {"S": article_pk(article_id)}, "sk": {"S": ARTICLE_SK}},
        UpdateExpression="REMOVE sources",
    )
    delete_item(indexed, source_pk(indexed.bucket, "incoming/b.txt"), SOURCE_SK)


DRIFT: list[tuple[Callable[[SimpleNamespace, SimpleNamespace], None], str]] = [
    (lose_the_source_item, "lost"),
    (lose_a_posting, "totals_off"),
    (remove_an_object_without_its_event, "orphaned"),
    (overwrite_an_object_without_its_event, "stale"),
    (add_a_dangling_posting, "totals_off"),
    (add_a_posting_of_a_missing_article, "totals_off"),
    (list_an_object_under_a_second_article, "duplicated"),
    (leave_an_article_no_source, "orphaned"),
]


@pytest.mark.parametrize(("damage", "kind"), DRIFT, ids=[damage.__name__ for damage, _ in DRIFT])
def test_drift_made_by_hand_is_found_and_fix_repairs_it_through_the_pipeline(
    indexed: SimpleNamespace,
    pipeline: Any,
    kit: SimpleNamespace,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[SimpleNamespace, SimpleNamespace], None],
    kind: str,
) -> None:
    # Given an index that agreed with its bucket, damaged by hand
    damage(indexed, kit)
    # When reconcile runs
    status, report = run(capsys)
    # Then it finds the drift, of its kind, and exits 1
    assert status == 1 and report["agrees"] is False
    assert report["counts"][kind] >= 1, report
    # When it runs with --fix and the pipeline processes what it sent
    status, fixed = run(capsys, "--fix")
    assert status == 1 and fixed["fix"]["replays"] + fixed["fix"]["stray_events"] >= 1
    pipeline.run()
    # Then the bucket and the index agree again
    status, report = run(capsys)
    assert status == 0, report
    assert report["counts"] == dict.fromkeys(report["counts"], 0)


def test_a_lost_object_is_indexed_again_with_its_current_version(
    indexed: SimpleNamespace, pipeline: Any, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an object overwritten while the bucket notified nothing
    overwrite_an_object_without_its_event(indexed, kit)
    current = indexed.s3.head_object(Bucket=indexed.bucket, Key="incoming/a.txt")["VersionId"]
    # When reconcile fixes it
    run(capsys, "--fix")
    pipeline.run()
    # Then the index holds the current version's article
    source = a_source(indexed, "incoming/a.txt")
    assert source.version_id == current
    assert "whaling" in (indexed.index.get_article(source.article_id).title or "")


def test_recent_changes_are_in_flight_not_drift(
    indexed: SimpleNamespace, kit: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an object overwritten a moment ago, its notification not yet processed
    indexed.s3.put_object(Bucket=indexed.bucket, Key="incoming/a.txt", Body=kit.story("whaling"))
    # When reconcile runs with its default grace (15 minutes)
    status = main(["reconcile", "--stack", "newsingest"])
    out = capsys.readouterr().out
    # Then the change is counted as in flight, not as drift
    assert status == 0 and "changed too recently to judge (in flight)" in out and "agrees" in out


def test_an_unknown_stack_is_an_error(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--stack", "nope"]) == 2
    assert "error:" in capsys.readouterr().err


def test_help_explains_the_exit_status_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["reconcile", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for expected in ("Exit status 0", "--fix", "--grace", "lost", "orphaned", "stale", "duplicated", "totals_off"):
        assert expected in text


def test_scanned_items_read_back_as_stored(indexed: SimpleNamespace) -> None:
    raw = indexed.dynamodb.get_item(
        TableName=indexed.table,
        Key={"pk": {"S": source_pk(indexed.bucket, "incoming/a.txt")}, "sk": {"S": SOURCE_SK}},
    )["Item"]
    assert from_attribute_values(raw)["key"] == "incoming/a.txt"


@pytest.mark.parametrize("fixes", [False, True])
def test_the_scheduled_function_reports_drift_and_fixes_it_when_told(
    indexed: SimpleNamespace,
    pipeline: Any,
    kit: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fixes: bool,
) -> None:
    # Given the reconcile function's environment, as the template sets it, and an object lost a while ago
    from newsingest.handlers import reconcile as function
    from newsingest.local.demo import reset_caches
    from newsingest.local.esm import LocalContext

    stack = pipeline.stack
    for name, value in {
        "ARTICLES_BUCKET": stack.bucket,
        "TABLE_NAME": stack.table_name,
        "INGEST_QUEUE_URL": stack.ingest_queue_url,
        "INDEX_QUEUE_URL": stack.index_queue_url,
        "RECONCILE_FIX": str(fixes).lower(),
        "RECONCILE_GRACE_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    reset_caches()
    lose_the_source_item(indexed, kit)
    # When the schedule invokes it
    summary = function.handler({"source": "aws.events"}, LocalContext(function_name="ReconcileFunction"))
    # Then it reports the drift; with fixes on, it sends the repair, and the pipeline makes them agree
    assert summary["agrees"] is False and summary["counts"]["lost"] == 1
    assert ("fix" in summary) is fixes
    pipeline.run()
    status, _ = run(capsys)
    assert status == (0 if fixes else 1)

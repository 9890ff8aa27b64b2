"""`newsingest backfill` against moto: objects already in the bucket are indexed as uploads are; a
finished backfill sends nothing again; an interrupted one resumes after its last batch; a real
upload during a backfill always wins over the backfill's older version; --since and --prefix
select; --help explains it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.ops import S3Listing, SqsSender
from newsingest.cli import main
from newsingest.ops.backfill import run_backfill


def backfill(tmp_path: Path, *args: str) -> int:
    return main(["backfill", "--stack", "newsingest", "--state-file", str(tmp_path / "state.json"), *args])


def test_objects_uploaded_before_the_stack_was_wired_are_indexed_by_a_backfill(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], kit: SimpleNamespace
) -> None:
    # Given objects put in the bucket while it notified nothing, one under a key S3 must encode
    s3, bucket = clients["s3"], pipeline.stack.bucket
    keys = ["incoming/a.txt", "incoming/b c+d.txt", "incoming/nested/e.txt"]
    with kit.unwired(s3, bucket):
        versions = {key: s3.put_object(Bucket=bucket, Key=key, Body=kit.story(key))["VersionId"] for key in keys}
    pipeline.run()  # the s3:TestEvent of wiring it again
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    assert all(index.get_source(bucket, key) is None for key in keys)
    # When they are backfilled and the pipeline runs
    assert backfill(tmp_path, "--rate", "1000") == 0
    pipeline.run()
    # Then each object's current version is indexed, as an upload would be
    for key in keys:
        source = index.get_source(bucket, key)
        assert source is not None and source.version_id == versions[key] and source.article_id is not None
        assert index.get_article(source.article_id) is not None
    err = capsys.readouterr().err
    assert "3 object(s) to send" in err and "3/3 sent (100%)" in err


def test_a_second_run_sends_nothing(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace
) -> None:
    # Given a backfill that ran to the end
    s3, sqs, bucket = clients["s3"], clients["sqs"], pipeline.stack.bucket
    with kit.unwired(s3, bucket):
        for n in range(3):
            s3.put_object(Bucket=bucket, Key=f"incoming/{n}.txt", Body=kit.story("trade", n))
    kit.queued_keys(sqs, pipeline.stack.ingest_queue_url)
    assert backfill(tmp_path) == 0
    assert sorted(kit.queued_keys(sqs, pipeline.stack.ingest_queue_url)) == [f"incoming/{n}.txt" for n in range(3)]
    # When it is run again
    assert backfill(tmp_path) == 0
    # Then it sends nothing, until told to start over
    assert kit.queued_keys(sqs, pipeline.stack.ingest_queue_url) == []
    assert backfill(tmp_path, "--restart") == 0
    assert len(kit.queued_keys(sqs, pipeline.stack.ingest_queue_url)) == 3


class CrashingSender(SqsSender):
    """The real sender, whose process dies before its `crash_at`-th batch."""

    def __init__(self, client: Any, queue_url: str, crash_at: int) -> None:
        super().__init__(client, queue_url)
        self.batches = 0
        self.crash_at = crash_at

    def send(self, bodies: Any) -> None:
        self.batches += 1
        if self.batches == self.crash_at:
            raise KeyboardInterrupt("killed")
        super().send(bodies)


def test_an_interrupted_backfill_resumes_after_the_last_batch_it_sent(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace
) -> None:
    # Given 25 objects, and a backfill killed before its third batch of ten
    s3, sqs, bucket = clients["s3"], clients["sqs"], pipeline.stack.bucket
    keys = [f"incoming/{n:02d}.txt" for n in range(25)]
    with kit.unwired(s3, bucket):
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    kit.queued_keys(sqs, pipeline.stack.ingest_queue_url)
    state = tmp_path / "state.json"
    with pytest.raises(KeyboardInterrupt):
        run_backfill(
            S3Listing(s3, bucket),
            CrashingSender(sqs, pipeline.stack.ingest_queue_url, crash_at=3),
            bucket=bucket,
            prefix="incoming/",
            since=None,
            state_file=state,
            rate=1000,
        )
    first = kit.queued_keys(sqs, pipeline.stack.ingest_queue_url)
    assert first == keys[:20]
    # When the same command runs again
    assert backfill(tmp_path) == 0
    # Then it sends the rest, and only the rest, under the same run
    assert kit.queued_keys(sqs, pipeline.stack.ingest_queue_url) == keys[20:]
    assert json.loads(state.read_text())["sent"] == 25


def test_a_real_upload_during_a_backfill_wins_over_the_backfills_older_version(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace
) -> None:
    # Given an object's v1 in the bucket before the stack was wired, and a backfill that sent it
    s3, sqs, bucket, key = clients["s3"], clients["sqs"], pipeline.stack.bucket, "incoming/race.txt"
    with kit.unwired(s3, bucket):
        s3.put_object(Bucket=bucket, Key=key, Body=kit.story("fisheries"))
    pipeline.run()
    assert backfill(tmp_path) == 0
    # and ingest read v1 for it, whose event is late reaching the indexer
    assert pipeline.ingest.run_once() is not None
    held = sqs.receive_message(QueueUrl=pipeline.stack.index_queue_url, VisibilityTimeout=600)["Messages"]
    assert [json.loads(m["Body"])["data"]["source"]["observed_at"] is not None for m in held] == [True]
    # When v2 is uploaded and indexed meanwhile, and then the backfill's v1 event arrives
    v2 = s3.put_object(Bucket=bucket, Key=key, Body=kit.story("shipping"))["VersionId"]
    pipeline.run()
    for message in held:
        sqs.change_message_visibility(
            QueueUrl=pipeline.stack.index_queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    pipeline.run()
    # Then the index holds v2: the older version's late event changed nothing
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    source = index.get_source(bucket, key)
    assert source is not None and source.version_id == v2
    article = index.get_article(source.article_id or "")
    assert article is not None and "shipping" in (article.title or "")


def test_a_backfill_read_after_a_real_upload_indexes_what_the_key_holds_now(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace
) -> None:
    # Given a backfill message sent for v1, and v2 uploaded before ingest reads it
    s3, bucket, key = clients["s3"], pipeline.stack.bucket, "incoming/race.txt"
    with kit.unwired(s3, bucket):
        s3.put_object(Bucket=bucket, Key=key, Body=kit.story("fisheries"))
    pipeline.run()
    assert backfill(tmp_path) == 0
    v2 = s3.put_object(Bucket=bucket, Key=key, Body=kit.story("shipping"))["VersionId"]
    # When both are processed, the backfill's message first
    pipeline.run()
    # Then the index holds v2, and no article of v1
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    source = index.get_source(bucket, key)
    assert source is not None and source.version_id == v2
    article = index.get_article(source.article_id or "")
    assert article is not None and "shipping" in (article.title or "")


class UploadAfterListing(S3Listing):
    """The real listing, with a real upload of a newer version made right after it lists the key."""

    def __init__(self, client: Any, bucket: str, upload: Any) -> None:
        super().__init__(client, bucket)
        self.upload = upload

    def current_objects(self, prefix: str, *, start_after: str | None) -> Any:
        for obj in super().current_objects(prefix, start_after=start_after):
            yield obj
            self.upload()


@pytest.mark.parametrize("backfill_first", [True, False])
def test_a_real_upload_between_listing_and_sending_wins_whichever_is_processed_first(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace, backfill_first: bool
) -> None:
    # Given v1 in the bucket before the stack was wired, listed by a backfill, and v2 uploaded
    # (with its real notification) after the listing but before the backfill's message for v1 is sent
    s3, sqs, bucket, key = clients["s3"], clients["sqs"], pipeline.stack.bucket, "incoming/race.txt"
    queue = pipeline.stack.ingest_queue_url
    with kit.unwired(s3, bucket):
        s3.put_object(Bucket=bucket, Key=key, Body=kit.story("fisheries"))
    pipeline.run()
    uploaded: list[str] = []

    def upload() -> None:
        uploaded.append(s3.put_object(Bucket=bucket, Key=key, Body=kit.story("shipping"))["VersionId"])

    run_backfill(
        UploadAfterListing(s3, bucket, upload),
        SqsSender(sqs, queue),
        bucket=bucket,
        prefix="incoming/",
        since=None,
        state_file=tmp_path / "state.json",
        rate=1000,
        count_first=False,
    )
    # When ingest takes the two messages in either order, each alone, and the indexer then applies them
    messages = [m for _ in range(2) for m in sqs.receive_message(QueueUrl=queue, VisibilityTimeout=600)["Messages"]]
    replayed = [m for m in messages if "newsingest-replay/" in m["Body"]]
    real = [m for m in messages if m not in replayed]
    assert len(replayed) == 1 and len(real) == 1
    for message in replayed + real if backfill_first else real + replayed:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        assert pipeline.ingest.run_once() is not None
    pipeline.run()
    # Then the index holds v2
    index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
    source = index.get_source(bucket, key)
    assert source is not None and source.version_id == uploaded[0]
    article = index.get_article(source.article_id or "")
    assert article is not None and "shipping" in (article.title or "")


def test_since_and_prefix_select_what_is_sent(
    pipeline: Any, clients: dict[str, Any], tmp_path: Path, kit: SimpleNamespace
) -> None:
    # Given objects under two prefixes, written today
    s3, sqs, bucket, queue = clients["s3"], clients["sqs"], pipeline.stack.bucket, pipeline.stack.ingest_queue_url
    with kit.unwired(s3, bucket):
        for key in ("incoming/2026/a.txt", "incoming/2026/b.txt", "incoming/2025/c.txt", "elsewhere/d.txt"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    kit.queued_keys(sqs, queue)
    today = datetime.now(UTC).date()
    # When backfills select a prefix, or a day
    assert backfill(tmp_path, "--prefix", "incoming/2026/", "--state-file", str(tmp_path / "p.json")) == 0
    by_prefix = kit.queued_keys(sqs, queue)
    assert (
        backfill(tmp_path, "--since", (today + timedelta(days=1)).isoformat(), "--state-file", str(tmp_path / "f.json"))
        == 0
    )
    from_tomorrow = kit.queued_keys(sqs, queue)
    assert backfill(tmp_path, "--since", today.isoformat(), "--state-file", str(tmp_path / "t.json")) == 0
    from_today = kit.queued_keys(sqs, queue)
    # Then each sends what it selects (by default everything under incoming/, nothing else)
    assert by_prefix == ["incoming/2026/a.txt", "incoming/2026/b.txt"]
    assert from_tomorrow == []
    assert from_today == ["incoming/2025/c.txt", "incoming/2026/a.txt", "incoming/2026/b.txt"]
    assert isinstance(date.fromisoformat(today.isoformat()), date)


def test_an_unknown_stack_is_a_clear_error(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert backfill(tmp_path) == 2
    assert "no CloudFormation stack named newsingest" in capsys.readouterr().err


def test_help_says_what_it_does_and_how_to_resume(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["backfill", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert exited.value.code == 0
    for expected in (
        "--stack",
        "--prefix",
        "--since",
        "--rate",
        "--restart",
        "--endpoint-url",
        "Resumable",
        "examples",
    ):
        assert expected in text

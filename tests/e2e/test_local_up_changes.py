"""Every way a user changes the bucket, made through `newsingest local up` with boto3 exactly as a
user makes it (plain deletes on the versioned bucket, deletes by version id, overwrites, rejected
overwrites, bytes given back), then asked of the HTTP API: the index must answer what the bucket
holds now."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.adapters.api_client import ApiError, QueryClient
from newsingest.local.up import LocalEndpoints, local_stack

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
IDLE_TIMEOUT_SECONDS = 120
IDLE_POLLS = 3
"""Both queues must read empty (visible and in flight) on this many polls in a row: a message is
deleted from the ingest queue only after its events are in the index queue, so an empty pair is
a finished pipeline, and three polls rule out a read between a receive and its accounting."""


def article_text(name: str, variant: str = "") -> bytes:
    """A fixture article; a variant adds a paragraph, so it is another article (another id)."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return (text + (f"\n\nEditor's note: {variant}.\n" if variant else "")).encode()


class LocalUser:
    """What a user has: boto3 against the local endpoint, and the HTTP API."""

    def __init__(self, endpoints: LocalEndpoints) -> None:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.s3 = session.client("s3", endpoint_url=endpoints.aws)
        self.sqs = session.client("sqs", endpoint_url=endpoints.aws)
        self.bucket = endpoints.bucket
        self.api = QueryClient(endpoints.api, region="us-east-1")  # signs as the CLI does
        self.queues = [
            self.sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in ("newsingest-ingest", "newsingest-index")
        ]

    def put(self, key: str, body: bytes) -> str:
        return str(self.s3.put_object(Bucket=self.bucket, Key=f"incoming/{key}", Body=body)["VersionId"])

    def delete(self, key: str, version_id: str | None = None) -> None:
        extra = {"VersionId": version_id} if version_id else {}
        self.s3.delete_object(Bucket=self.bucket, Key=f"incoming/{key}", **extra)

    def delete_every_version(self, key: str) -> None:
        listing = self.s3.list_object_versions(Bucket=self.bucket, Prefix=f"incoming/{key}")
        for entry in [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]:
            if entry["Key"] == f"incoming/{key}":
                self.delete(key, entry["VersionId"])

    def wait_until_idle(self) -> None:
        deadline, quiet = time.monotonic() + IDLE_TIMEOUT_SECONDS, 0
        while quiet < IDLE_POLLS:
            if time.monotonic() > deadline:
                pytest.fail("the pipeline did not drain in time")
            attributes = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            pending = sum(
                int(value)
                for url in self.queues
                for value in self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=attributes)[
                    "Attributes"
                ].values()
            )
            quiet = quiet + 1 if pending == 0 else 0
            time.sleep(0.2)

    def parsed_articles(self, key: str) -> list[dict[str, Any]]:
        """Every article the parsed output holds for the key, whichever version it came from."""
        found = []
        for listing in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="parsed/"):
            for entry in listing.get("Contents", []):
                body = self.s3.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"].read()
                found += [
                    line for line in map(json.loads, body.splitlines()) if line["source"]["key"] == f"incoming/{key}"
                ]
        return found

    def article_id(self, key: str) -> str:
        """The article the parsed output says the key's current version became."""
        version = self.s3.head_object(Bucket=self.bucket, Key=f"incoming/{key}")["VersionId"]
        [article_id] = {
            article["id"] for article in self.parsed_articles(key) if article["source"]["version_id"] == version
        }
        return str(article_id)

    def answered(self, article_id: str) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = self.api.get(f"/v1/articles/{article_id}")
        except ApiError as error:
            assert error.status == 404
            return None
        return answer

    def article_count(self, entity_id: str) -> int:
        """How many articles the API says mention the entity (0 when it no longer knows it)."""
        try:
            return int(self.api.get(f"/v1/entities/{entity_id}")["article_count"])
        except ApiError as error:
            assert error.status == 404
            return 0


@pytest.fixture(scope="module")
def user() -> Iterator[LocalUser]:
    with local_stack(aws_port=0, api_port=0) as endpoints:
        yield LocalUser(endpoints)


def test_a_plain_delete_on_the_versioned_bucket_removes_the_article(user: LocalUser) -> None:
    # Given an indexed upload
    user.put("plain-delete.txt", article_text("riverton-flood-budget.txt"))
    user.wait_until_idle()
    article_id = user.article_id("plain-delete.txt")
    assert user.answered(article_id) is not None
    counted = user.article_count("person:priya-natarajan")
    assert counted >= 1
    # When the user deletes it the usual way (S3 keeps the version behind a delete marker)
    user.delete("plain-delete.txt")
    user.wait_until_idle()
    # Then the API no longer answers it, and the entity's totals no longer count it
    assert user.answered(article_id) is None
    assert user.article_count("person:priya-natarajan") == counted - 1


@pytest.mark.parametrize(
    ("how", "fixture"),
    [("delete marker", "baltic-shipwreck-wrapped.txt"), ("every version", "lakeside-ferry-us-local.txt")],
)
def test_the_same_bytes_uploaded_after_a_delete_are_indexed_again(user: LocalUser, how: str, fixture: str) -> None:
    key, body = f"deleted-then-back-{how.replace(' ', '-')}.txt", article_text(fixture)
    user.put(key, body)
    user.wait_until_idle()
    article_id = user.article_id(key)
    # When the object is deleted (a delete marker, or every version by id)
    if how == "delete marker":
        user.delete(key)
    else:
        user.delete_every_version(key)
    user.wait_until_idle()
    assert user.answered(article_id) is None
    # And the same bytes are uploaded again (a new version, the same ETag)
    user.put(key, body)
    user.wait_until_idle()
    # Then the article is back
    assert user.answered(article_id) is not None


def test_a_key_given_back_bytes_it_held_before_answers_them(user: LocalUser) -> None:
    # Given a key overwritten A -> B -> A
    first, second = (
        article_text("northsea-wind-uk-broadsheet.txt"),
        article_text("northsea-wind-uk-broadsheet.txt", "b"),
    )
    user.put("a-b-a.txt", first)
    user.wait_until_idle()
    first_id = user.article_id("a-b-a.txt")
    user.put("a-b-a.txt", second)
    user.wait_until_idle()
    second_id = user.article_id("a-b-a.txt")
    assert first_id != second_id and user.answered(first_id) is None
    # When the first bytes come back
    user.put("a-b-a.txt", first)
    user.wait_until_idle()
    # Then they are what the API answers, and the second version is gone
    assert user.answered(first_id) is not None
    assert user.answered(second_id) is None


@pytest.mark.parametrize(
    "rejected", [b"", b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"]
)
def test_an_overwrite_that_is_rejected_removes_the_old_article(user: LocalUser, rejected: bytes) -> None:
    key = f"rejected-overwrite-{len(rejected)}.html"
    user.put(key, article_text("chip-export-blog-wordpress.txt", key))
    user.wait_until_idle()
    article_id = user.article_id(key)
    # When the object is overwritten with bytes that cannot become an article
    user.put(key, rejected)
    user.wait_until_idle()
    # Then the object no longer holds an article, and the old one is not answered
    assert user.answered(article_id) is None


def test_deleting_the_current_version_by_id_answers_the_version_now_current(user: LocalUser) -> None:
    # Given a key with two versions
    older, newer = (
        article_text("harbor-city-transit-metered.txt"),
        article_text("harbor-city-transit-metered.txt", "v2"),
    )
    user.put("two-versions.txt", older)
    user.wait_until_idle()
    older_id = user.article_id("two-versions.txt")
    newer_version = user.put("two-versions.txt", newer)
    user.wait_until_idle()
    newer_id = user.article_id("two-versions.txt")
    # When the newer version is deleted for good (S3 makes the older one current, and says only "deleted")
    user.delete("two-versions.txt", newer_version)
    user.wait_until_idle()
    # Then the API answers what a GET of the key now returns
    assert user.answered(newer_id) is None
    assert user.answered(older_id) is not None


def test_the_same_text_under_two_keys_lists_both_sources_and_outlives_one_delete(user: LocalUser) -> None:
    body = article_text("belarus-russia-alliance.txt", "two keys")
    user.put("copy/one.txt", body)
    user.put("copy/two.txt", body)
    user.wait_until_idle()
    article_id = user.article_id("copy/one.txt")
    answer = user.answered(article_id)
    assert answer is not None
    assert answer["sources"] == [f"{user.bucket}/incoming/copy/one.txt", f"{user.bucket}/incoming/copy/two.txt"]
    user.delete("copy/one.txt")
    user.wait_until_idle()
    answer = user.answered(article_id)
    assert answer is not None and answer["sources"] == [f"{user.bucket}/incoming/copy/two.txt"]


def test_a_delete_racing_the_first_ingest_leaves_nothing(user: LocalUser) -> None:
    body = article_text("riverton-flood-budget.txt", "raced")
    user.put("raced.txt", body)
    user.delete("raced.txt")
    user.wait_until_idle()
    for article in user.parsed_articles("raced.txt"):  # parsed before the delete was seen, maybe
        assert user.answered(article["id"]) is None

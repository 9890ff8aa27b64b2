"""The query API handler against an index built on moto, called with HTTP API (payload 2.0) events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsingest.handlers import api
from newsingest.local.http import call_api
from newsingest.models import Article, Quote, article_id_for, hash_text

ARTICLES = Path(__file__).parents[1] / "fixtures" / "articles"
UPLOADS = ("belarus-russia-alliance.txt", "riverton-flood-budget.txt", "lakeside-ferry-us-local.txt")


@pytest.fixture
def indexed(harness: Any, article_factory: Any) -> dict[str, Any]:
    """Five articles about NATO over five days; one quotes Stoltenberg; Belarus appears in three."""
    articles = []
    for day in range(1, 6):
        text = f"Day {day}. NATO met. Stoltenberg said: “We stand together.”"
        quote_start = text.index("We stand")
        entities = [("NATO", "organization", 2), ("Jens Stoltenberg", "person", 1)]
        if day % 2:
            entities.append(("Belarus", "location", 1))
        articles.append(
            article_factory(
                text,
                key=f"incoming/day{day}.txt",
                bucket=harness.bucket,
                entities=entities,
                published=f"2024-06-0{day}T08:00:00+00:00",
                quotes=[
                    Quote(
                        text="We stand together.",
                        start=quote_start,
                        end=quote_start + 18,
                        speaker_id="person:jens-stoltenberg",
                        speaker_name="Jens Stoltenberg",
                    )
                ]
                if day == 3
                else [],
            )
        )
    for article in articles:
        harness.parsed(article)
    harness.drain()
    return {"articles": articles}


def get(target: str) -> tuple[int, Any]:
    return call_api(api.handler, target)


def test_an_article_by_id_with_its_entities_and_quotes(indexed: dict[str, Any]) -> None:
    article = indexed["articles"][2]
    status, body = get(f"/v1/articles/{article.id}")
    assert status == 200
    assert body["id"] == article.id
    assert {entity["id"] for entity in body["entities"]} >= {"organization:nato", "person:jens-stoltenberg"}
    assert body["quoted"] == ["person:jens-stoltenberg"]
    assert (body["entity_count"], body["quote_count"]) == (len(article.entities), 1)


def test_unknown_and_malformed_article_ids_are_4xx_with_a_message(indexed: dict[str, Any]) -> None:
    status, body = get("/v1/articles/" + "0" * 32)
    assert status == 404 and "no article" in body["message"]
    status, body = get("/v1/articles/not-an-id")
    assert status == 422 and body["detail"]


def test_entity_articles_page_to_the_end_and_back(indexed: dict[str, Any]) -> None:
    # When paging newest first, two at a time
    newest, cursor = [], None
    while True:
        status, body = get("/v1/entities/organization:nato/articles?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        newest += [item["time"][:10] for item in body["items"]]
        cursor = body["cursor"]
        if not cursor:
            break
    # And oldest first
    oldest, cursor = [], None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        _, body = get("/v1/entities/organization:nato/articles?limit=3&order=oldest" + suffix)
        oldest += [item["time"][:10] for item in body["items"]]
        cursor = body["cursor"]
        if not cursor:
            break
    # Then every article once, in order, both ways
    days = [f"2024-06-0{day}" for day in range(1, 6)]
    assert newest == days[::-1]
    assert oldest == days


def test_entity_articles_within_a_window(indexed: dict[str, Any]) -> None:
    _, body = get("/v1/entities/organization:nato/articles?from=2024-06-02&to=2024-06-04")
    assert [item["time"][:10] for item in body["items"]] == ["2024-06-04", "2024-06-03", "2024-06-02"]


def test_entity_totals_and_companions(indexed: dict[str, Any]) -> None:
    status, body = get("/v1/entities/organization:nato")
    assert status == 200
    assert (body["id"], body["name"], body["type"]) == ("organization:nato", "NATO", "organization")
    assert body["article_count"] == 5 and body["mention_count"] == 10
    assert body["first_seen"].startswith("2024-06-01") and body["last_seen"].startswith("2024-06-05")
    companions = {c["id"]: c["shared_articles"] for c in body["companions"]}
    assert companions == {"person:jens-stoltenberg": 5, "location:belarus": 3}
    status, body = get("/v1/entities/organization:nato?from=2024-06-04")
    assert {c["id"]: c["shared_articles"] for c in body["companions"]} == {
        "person:jens-stoltenberg": 2,
        "location:belarus": 1,
    }


def test_quotes_of_a_person(indexed: dict[str, Any]) -> None:
    status, body = get("/v1/entities/person:jens-stoltenberg/quotes")
    assert status == 200
    assert [(q["texts"], q["time"][:10]) for q in body["items"]] == [(["We stand together."], "2024-06-03")]


def test_articles_of_a_day(indexed: dict[str, Any]) -> None:
    _, body = get("/v1/articles?day=2024-06-02")
    assert [item["time"][:10] for item in body["items"]] == ["2024-06-02"]
    _, body = get("/v1/articles?day=2024-07-01")
    assert body == {"items": [], "cursor": None}


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/v1/entities/organization:nato/articles?limit=0", 422),
        ("/v1/entities/organization:nato/articles?limit=101", 422),
        ("/v1/entities/organization:nato/articles?cursor=garbage!", 400),
        ("/v1/entities/organization:nato/articles?from=yesterday", 422),
        ("/v1/entities/NotAnId/articles", 422),
        ("/v1/entities?q=", 422),
        ("/v1/articles", 422),
        ("/v1/articles?day=2024-06-01&cursor=eyJ4IjoxfQ", 400),
        ("/v1/entities/person:nobody", 404),
        ("/v1/nowhere", 404),
    ],
)
def test_bad_requests_get_clear_4xx(indexed: dict[str, Any], target: str, status: int) -> None:
    got, body = get(target)
    assert got == status, body


# -- the parsed copy, through the real ingest and indexer handlers --------------------------------------------


@pytest.fixture
def ingested(harness: Any, clients: dict[str, Any]) -> dict[str, str]:
    """Three uploads parsed in one ingest batch (so one parsed object, three lines) and indexed:
    file name -> article id."""
    for name in UPLOADS:
        clients["s3"].put_object(Bucket=harness.bucket, Key=f"incoming/{name}", Body=(ARTICLES / name).read_bytes())
    harness.pipeline.run()
    found = {}
    for name in UPLOADS:
        [record] = harness.index.get_records(harness.bucket, f"incoming/{name}")
        found[name] = record.article_id
    return found


def test_the_parsed_article_is_its_line_of_the_batch_object(
    ingested: dict[str, str], clients: dict[str, Any], harness: Any
) -> None:
    items = {name: harness.index.get_article(article_id).model_dump() for name, article_id in ingested.items()}
    assert len({item["parsed_uri"] for item in items.values()}) == 1  # one batch, one object
    assert len({item["parsed_range"] for item in items.values()}) == len(UPLOADS)
    for name, article_id in ingested.items():
        # When
        status, body = get(f"/v1/articles/{article_id}/parsed")
        # Then the article itself, as the ingest function stored it
        assert status == 200, body
        article = Article.model_validate(body)
        assert article.id == article_id == article_id_for(hash_text(article.text))
        assert article.source.key == f"incoming/{name}" and article.word_count == items[name]["word_count"]
        bucket, key = items[name]["parsed_uri"].removeprefix("s3://").split("/", 1)
        whole = clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        assert json.loads(article.model_dump_json()) in [json.loads(line) for line in whole.splitlines()]
    _, belarus = get(f"/v1/articles/{ingested['belarus-russia-alliance.txt']}/parsed")
    assert "landlocked eastern European nation" in belarus["text"] and "JUST IN" not in belarus["text"]
    assert {"organization:nato", "location:belarus"} <= {entity["id"] for entity in belarus["entities"]}


def test_the_parsed_copy_of_an_unknown_article_is_404(ingested: dict[str, str]) -> None:
    status, body = get("/v1/articles/" + "0" * 32 + "/parsed")
    assert status == 404 and body["message"] == f"no article {'0' * 32}"
    status, body = get("/v1/articles/NOT-AN-ID/parsed")
    assert status == 422 and body["detail"]


def test_an_expired_parsed_copy_is_404_and_says_so(
    ingested: dict[str, str], clients: dict[str, Any], harness: Any
) -> None:
    # Given the retention rule removed the parsed object (versioned bucket: a delete marker)
    article_id = ingested["riverton-flood-budget.txt"]
    bucket, key = harness.index.get_article(article_id).parsed_uri.removeprefix("s3://").split("/", 1)
    clients["s3"].delete_object(Bucket=bucket, Key=key)
    # When
    status, body = get(f"/v1/articles/{article_id}/parsed")
    # Then the index still knows the article, and the answer says why its copy is not there
    assert status == 404
    assert "expired or is missing" in body["message"] and "ParsedArticleRetentionDays" in body["message"]
    assert get(f"/v1/articles/{article_id}")[0] == 200

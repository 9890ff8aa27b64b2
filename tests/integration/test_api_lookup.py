"""Look-up, timeline and the public contract of the query API, on an index built on moto: the
real ingest for the bundled Belarus article, hand-made articles for names the sample lacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsingest.handlers import api
from newsingest.local.http import call_api

ROOT = Path(__file__).parents[2]
ARTICLES = ROOT / "tests" / "fixtures" / "articles"
STORAGE_ATTRIBUTES = {"pk", "sk", "gsi1pk", "gsi1sk", "parsed_uri", "parsed_range", "sort_time"}
"""Key and storage attributes of index items: none may reach an API response or the OpenAPI document
(`kind` is checked by value: a parsed article's amounts have a kind of their own)."""
ITEM_KINDS = {"article", "source", "record", "rejection", "posting", "quote", "entity", "name"}


def get(target: str) -> tuple[int, Any]:
    return call_api(api.handler, target)


def ids(target: str) -> list[str]:
    status, body = get(target)
    assert status == 200, body
    return [item["id"] for item in body["items"]]


@pytest.fixture
def belarus(harness: Any, clients: dict[str, Any]) -> str:
    """The bundled Belarus article through the real ingest and indexer: its article id."""
    name = "belarus-russia-alliance.txt"
    clients["s3"].put_object(Bucket=harness.bucket, Key=f"incoming/{name}", Body=(ARTICLES / name).read_bytes())
    harness.pipeline.run()
    [record] = harness.index.get_records(harness.bucket, f"incoming/{name}")
    return str(record.article_id)


@pytest.fixture
def named(harness: Any, article_factory: Any) -> None:
    """Names with accents, apostrophes and several words, and one entity in more articles than another."""
    rows = [
        ("Sergio Martínez-Beltrán spoke.", [("Sergio Martínez-Beltrán", "person", 1)], "2024-05-01"),
        ("Conor O'Neill spoke.", [("Conor O'Neill", "person", 1)], "2024-05-02"),
        ("Pune floods.", [("Pune", "location", 2), ("Putney Bridge", "location", 1)], "2024-05-03"),
        ("Pune again.", [("Pune", "location", 2)], "2024-05-04"),
        (
            "President Putin met.",
            [("Vladimir Putin", "person", 2, ["President Putin", "Putin"])],
            "2024-05-05",
        ),
    ]
    for number, (text, entities, day) in enumerate(rows):
        harness.parsed(
            article_factory(
                text,
                key=f"incoming/named-{number}.txt",
                bucket=harness.bucket,
                entities=entities,
                published=f"{day}T08:00:00+00:00",
            )
        )
    harness.drain()


# -- look-up -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("putin", "person:vladimir-putin"),
        ("vladimir pu", "person:vladimir-putin"),
        ("stolt", "person:jens-stoltenberg"),
        ("lukash", "person:alexander-lukashenko"),
        ("nato", "organization:nato"),
        ("north atlantic", "organization:nato"),
        ("NORTH ATL", "organization:nato"),
        ("belarus", "location:belarus"),
    ],
)
def test_any_word_of_any_name_or_alias_finds_the_entity(belarus: str, typed: str, expected: str) -> None:
    assert expected in ids(f"/v1/entities?q={typed.replace(' ', '%20')}")


def test_an_alias_of_the_table_finds_its_entity_and_says_which_matched(harness: Any, article_factory: Any) -> None:
    harness.parsed(
        article_factory(
            "The US said.",
            key="incoming/us.txt",
            bucket=harness.bucket,
            entities=[("United States", "location", 1)],
            published="2024-05-01T00:00:00+00:00",
        )
    )
    harness.drain()
    for typed, matched in [
        ("us", "US"),
        ("u.s.", "US"),
        ("U.S", "US"),
        ("america", "America"),
        ("unit", "United States"),
    ]:
        _, body = get(f"/v1/entities?q={typed}")
        [row] = [item for item in body["items"] if item["id"] == "location:united-states"]
        assert (row["name"], row["matched"]) == ("United States", matched), typed


def test_the_forms_an_article_used_are_aliases(named: None) -> None:
    _, body = get("/v1/entities?q=president%20pu")
    assert [(item["id"], item["matched"]) for item in body["items"]] == [("person:vladimir-putin", "President Putin")]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("martinez", "person:sergio-martínez-beltrán"),
        ("MARTÍNEZ-BEL", "person:sergio-martínez-beltrán"),
        ("beltran", "person:sergio-martínez-beltrán"),
        ("o'neill", "person:conor-o'neill"),
        ("oneill", "person:conor-o'neill"),
        ("O’Neill", "person:conor-o'neill"),
    ],
)
def test_case_accents_and_punctuation_do_not_matter(named: None, typed: str, expected: str) -> None:
    assert ids(f"/v1/entities?q={typed}") == [expected]


def test_ranked_by_articles_then_name_one_row_per_entity(named: None) -> None:
    # "pu" matches Pune (2 articles), Putin (1, through three of its names) and Putney Bridge (1)
    _, body = get("/v1/entities?q=pu")
    assert [(item["name"], item["article_count"]) for item in body["items"]] == [
        ("Pune", 2),
        ("Putney Bridge", 1),
        ("Vladimir Putin", 1),
    ]
    assert ids("/v1/entities?q=pu&type=person") == ["person:vladimir-putin"]


def test_look_up_pages_with_a_cursor(named: None) -> None:
    seen, cursor = [], None
    while True:
        _, body = get("/v1/entities?q=pu&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += [item["name"] for item in body["items"]]
        cursor = body["cursor"]
        if not cursor:
            break
    assert seen == ["Pune", "Putney Bridge", "Vladimir Putin"]
    _, first = get("/v1/entities?q=pu&limit=1")
    status, _ = get(f"/v1/entities?q=zz&cursor={first['cursor']}")
    assert status == 400  # a cursor is for the look-up that issued it


def test_entities_whose_articles_are_gone_are_not_suggested(harness: Any, named: None) -> None:
    harness.deleted("incoming/named-2.txt")
    harness.deleted("incoming/named-3.txt")
    harness.drain()
    assert ids("/v1/entities?q=pu") == ["person:vladimir-putin"]


def test_name_keys_are_written_once_not_per_article(harness: Any, article_factory: Any) -> None:
    def articles(first: int) -> Iterator[Any]:
        for number in range(first, first + 3):
            yield article_factory(
                f"Article {number}: President Putin met.",
                key=f"incoming/p{number}.txt",
                bucket=harness.bucket,
                entities=[("Vladimir Putin", "person", 2, ["President Putin", "Putin"])],
                published=f"2024-05-0{number}T08:00:00+00:00",
            )

    def name_items() -> list[dict[str, Any]]:
        response = harness.dynamodb.query(
            TableName=harness.pipeline.stack.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :names)",
            ExpressionAttributeValues={":pk": {"S": "ENTITY#person:vladimir-putin"}, ":names": {"S": "NAME#"}},
        )
        return list(response["Items"])

    for article in articles(1):
        harness.parsed(article)
    harness.drain()
    keys = sorted(item["sk"]["S"] for item in name_items())
    assert {"NAME#president putin", "NAME#putin", "NAME#vladimir putin"} <= set(keys)
    # When three more articles name him the same ways, nothing is written to the name index
    writes: list[str] = []

    def count_writes(params: dict[str, Any], **_: Any) -> None:
        for requests in params.get("RequestItems", {}).values():
            writes.extend(
                request["PutRequest"]["Item"]["sk"]["S"]
                for request in requests
                if "PutRequest" in request and request["PutRequest"]["Item"]["sk"]["S"].startswith("NAME#")
            )

    harness.dynamodb.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", count_writes)
    for article in articles(4):
        harness.parsed(article)
    harness.drain()
    assert writes == []
    assert sorted(item["sk"]["S"] for item in name_items()) == keys


# -- timeline ------------------------------------------------------------------------------------------------


@pytest.fixture
def week_of_nato(harness: Any, article_factory: Any) -> None:
    """NATO on 3, 4 (twice) and 10 June 2024 (a Monday, a Tuesday, the next Monday)."""
    for number, day in enumerate(["2024-06-03", "2024-06-04", "2024-06-04", "2024-06-10"]):
        harness.parsed(
            article_factory(
                f"NATO article {number}.",
                key=f"incoming/nato-{number}.txt",
                bucket=harness.bucket,
                entities=[("NATO", "organization", 1)],
                published=f"{day}T0{number}:00:00+00:00",
            )
        )
    harness.drain()


def test_timeline_by_day_is_zero_filled(week_of_nato: None) -> None:
    status, body = get("/v1/entities/organization:nato/timeline?from=2024-06-02&to=2024-06-05")
    assert status == 200, body
    assert [(point["start"], point["count"]) for point in body["points"]] == [
        ("2024-06-02", 0),
        ("2024-06-03", 1),
        ("2024-06-04", 2),
        ("2024-06-05", 0),
    ]
    assert (body["from"], body["to"], body["interval"], body["total"]) == ("2024-06-02", "2024-06-05", "day", 3)


def test_timeline_by_week_starts_on_monday(week_of_nato: None) -> None:
    _, body = get("/v1/entities/organization:nato/timeline?from=2024-06-05&to=2024-06-16&interval=week")
    assert [(point["start"], point["count"]) for point in body["points"]] == [("2024-06-03", 3), ("2024-06-10", 1)]


def test_timeline_defaults_to_the_month_before_the_last_article(week_of_nato: None) -> None:
    _, body = get("/v1/entities/organization:nato/timeline")
    assert (body["from"], body["to"], len(body["points"]), body["total"]) == ("2024-05-12", "2024-06-10", 30, 4)


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/v1/entities/person:nobody/timeline", 404),
        ("/v1/entities/organization:nato/timeline?from=2024-06-05&to=2024-06-01", 400),
        ("/v1/entities/organization:nato/timeline?from=2020-01-01&to=2024-06-01", 400),
        ("/v1/entities/organization:nato/timeline?interval=month", 422),
    ],
)
def test_timeline_bad_requests(week_of_nato: None, target: str, status: int) -> None:
    assert get(target)[0] == status


# -- the public contract -------------------------------------------------------------------------------------


def test_percent_encoded_ids_are_the_same_entity(belarus: str) -> None:
    plain = get("/v1/entities/person:vladimir-putin")
    encoded = get("/v1/entities/person%3Avladimir-putin")
    assert plain[0] == encoded[0] == 200 and plain[1] == encoded[1]
    assert get("/v1/entities/person%3Avladimir-putin/articles")[1]["items"][0]["article_id"] == belarus
    assert get("/v1/entities/person%3Avladimir-putin/timeline")[0] == 200
    assert get("/v1/entities/person%2Fvladimir-putin")[0] == 422


def test_no_escaped_character_in_an_id_changes_the_route(harness: Any) -> None:
    """Any escape in an id segment either decodes to an id character or is refused by the id's pattern
    (422): none makes the path miss its route (schemathesis found a C1 character and a quote that did)."""
    for byte in range(256):
        status, body = get(f"/v1/entities/person%{byte:02X}x/articles")
        assert status in (200, 422), (byte, body)


def test_an_unversioned_path_says_where_the_routes_are() -> None:
    status, body = get("/entities?q=putin")
    assert status == 404 and "under /v1/" in body["message"]
    status, body = get("/v1/nowhere")
    assert status == 404 and body["message"] == "no such route: GET /v1/nowhere"


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for name, inner in value.items():
            yield "kind" if name == "kind" and inner in ITEM_KINDS else name
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def test_no_response_carries_a_storage_attribute(belarus: str, harness: Any) -> None:
    day = harness.index.get_article(belarus).sort_time[:10]
    targets = [
        f"/v1/articles/{belarus}",
        f"/v1/articles?day={day}",
        "/v1/entities?q=putin",
        "/v1/entities/person:vladimir-putin",
        "/v1/entities/person:vladimir-putin/articles",
        "/v1/entities/person:vladimir-putin/timeline",
        "/v1/entities/location:belarus/quotes",
        "/v1/entities/person:nobody",
    ]
    for target in targets:
        status, body = get(target)
        assert status in (200, 404), (target, body)
        assert not set(_keys(body)) & (STORAGE_ATTRIBUTES | {"kind"}), target
    _, article = get(f"/v1/articles/{belarus}")
    assert article["sources"] == [f"{harness.bucket}/incoming/belarus-russia-alliance.txt"]


def test_the_openapi_document_names_no_storage_attribute_and_carries_the_version() -> None:
    document = json.loads((ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    properties = {name for schema in schemas.values() for name in schema.get("properties", {})}
    assert not properties & STORAGE_ATTRIBUTES
    assert not [name for name in schemas if name.endswith("Item")]
    assert all(path.startswith("/v1/") for path in document["paths"])
    assert document["info"]["version"].startswith("1.")
    for name, schema in schemas.items():
        for field, spec in schema.get("properties", {}).items():
            if name.startswith(("EntityMatch", "EntityView", "Timeline", "ArticleView", "EntityArticle")):
                assert spec.get("description"), f"{name}.{field} has no description"


def test_every_api_model_field_has_an_example() -> None:
    from newsingest.api_models import API_MODELS

    def models(model: Any) -> Iterator[Any]:
        yield model
        for field in model.model_fields.values():
            for inner in getattr(field.annotation, "__args__", ()) or ():
                if isinstance(inner, type) and hasattr(inner, "model_fields"):
                    yield from models(inner)

    for model in API_MODELS.values():
        for found in models(model):
            for name, field in found.model_fields.items():
                if name not in ("items", "cursor"):
                    assert field.examples, f"{found.__name__}.{name} has no example"

"""`newsingest reindex` through the whole pipeline on moto: articles indexed under one alias table,
the table changed (two entities merged, one split), the reindex run, the real ingest and indexer
handlers applying what it sent. Queries are asked between every step, and at the end nothing is
left under an old id and every total is exact."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import pytest

from newsingest.adapters.dynamodb import DynamoIndex, from_attribute_values
from newsingest.adapters.ops import SqsSender
from newsingest.adapters.reindex import IndexVersionScan
from newsingest.cli import main
from newsingest.entities import aliases, analysis, extract
from newsingest.entities.aliases import TABLE_FILE, AliasTable
from newsingest.handlers import indexer as indexer_handler
from newsingest.indexing.items import entity_pk
from newsingest.indexing.queries import entity_quotes, entity_view, search_entities
from newsingest.local.esm import QueuePump
from newsingest.ops.reindex import ReindexResult, VersionFloor, installed_versions, run_reindex

REAL_TABLE = (resources.files("newsingest") / "data" / TABLE_FILE).read_text(encoding="utf-8")
REAL_VERSION = aliases.alias_table().version
KYIV_WITH_KIEV = "location\tKyiv\tQ1899\tKiev"
KYIV_AND_KIEV = "location\tKyiv\tQ1899\nlocation\tKiev\t-"
ZELENSKY = "person\tVolodymyr Zelensky\tQ3874799\tZelensky|Zelenskyy|Volodymyr Zelenskyy|Zelenskiy"
ZELENSKYY = "person\tVolodymyr Zelenskyy\tQ3874799\tZelensky|Zelenskiy|Volodymyr Zelensky"

KIEV_TEXT = (
    "Talks resume in Kiev\n\nOfficials in Kiev said on Monday that talks with Warsaw would resume next week. "
    '"We will not give up," Volodymyr Zelensky said in Kiev. The mayor of Kiev welcomed the news.'
)
KYIV_TEXT = (
    "Kyiv welcomes Warsaw delegation\n\nA delegation from Warsaw arrived in Kyiv on Tuesday. "
    "Officials in Kyiv said the visit would last two days. Poland and Ukraine signed an agreement in Kyiv."
)


def table(version: str, *replacements: tuple[str, str]) -> AliasTable:
    """The shipped alias table at another version, with some lines replaced."""
    text = REAL_TABLE.replace(f"# version: {REAL_VERSION}", f"# version: {version}")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return AliasTable(text)


@pytest.fixture
def use_table(monkeypatch: pytest.MonkeyPatch) -> Callable[[AliasTable], None]:
    """Make the ingest function (and `installed_versions`) use another alias table, as a deploy would."""

    def install(chosen: AliasTable) -> None:
        for module in (aliases, analysis, extract):
            monkeypatch.setattr(module, "alias_table", lambda: chosen)

    return install


class Stack:
    """The pipeline, its index and the reindex command's AWS side."""

    def __init__(self, pipeline: Any, clients: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.clients = clients
        self.bucket = pipeline.stack.bucket
        self.index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
        from newsingest.handlers import indexer

        self.index_one_at_a_time = QueuePump(
            clients["sqs"], pipeline.stack.index_queue_url, indexer.handler, function_name="Indexer", batch_size=1
        )

    def upload(self, key: str, text: str) -> None:
        self.clients["s3"].put_object(Bucket=self.bucket, Key=key, Body=text.encode())

    def reindex(self, *, dry_run: bool = False) -> tuple[ReindexResult, str]:
        out = io.StringIO()
        result = run_reindex(
            IndexVersionScan(self.clients["dynamodb"], self.pipeline.stack.table_name),
            None if dry_run else SqsSender(self.clients["sqs"], self.pipeline.stack.ingest_queue_url),
            floor=VersionFloor.of(installed_versions()),
            rate=1000,
            out=out,
            err=io.StringIO(),
        )
        return result, out.getvalue()

    def queued(self, url: str) -> int:
        attributes = self.clients["sqs"].get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def totals(self, entity_id: str) -> tuple[int, int] | None:
        view = entity_view(self.index, entity_id)
        return (view.article_count, view.mention_count) if view else None

    def items_under(self, entity_id: str) -> list[dict[str, Any]]:
        """Everything filed under the entity: profile, name keys, postings and quotes of every shard."""
        found = []
        for pk in [entity_pk(entity_id), *(f"{entity_pk(entity_id)}#{shard}" for shard in range(4))]:
            response = self.clients["dynamodb"].query(
                TableName=self.pipeline.stack.table_name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
            )
            found.extend(from_attribute_values(item) for item in response["Items"])
        return found

    def matches(self, text: str) -> dict[str, int]:
        return {match.id: match.article_count for match in search_entities(self.index, text).items}

    def table_items(self) -> list[dict[str, Any]]:
        items = self.clients["dynamodb"].scan(TableName=self.pipeline.stack.table_name)["Items"]
        return sorted((from_attribute_values(item) for item in items), key=lambda item: (item["pk"], item["sk"]))

    def article_of(self, key: str) -> str:
        [record] = self.index.get_records(self.bucket, key)
        return record.article_id


@pytest.fixture
def stack(pipeline: Any, clients: dict[str, Any]) -> Iterator[Stack]:
    yield Stack(pipeline, clients)


def test_a_merge_moves_articles_quotes_and_names_to_the_new_ids_and_leaves_nothing_behind(
    stack: Stack, use_table: Callable[[AliasTable], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two articles indexed under an alias table where "Kiev" and "Kyiv" are two places
    use_table(table("2026.12.0", (KYIV_WITH_KIEV, KYIV_AND_KIEV)))
    stack.upload("incoming/kiev.txt", KIEV_TEXT)
    stack.upload("incoming/kyiv.txt", KYIV_TEXT)
    stack.pipeline.run()
    kiev, kyiv = stack.article_of("incoming/kiev.txt"), stack.article_of("incoming/kyiv.txt")
    assert stack.totals("location:kiev") == (1, 3) and stack.totals("location:kyiv") == (1, 3)
    assert "location:kiev" in stack.matches("kiev")
    assert [quote.texts for quote in entity_quotes(stack.index, "person:volodymyr-zelensky").items] == [
        ["We will not give up,"]
    ]
    # When a new alias table merges them (and renames Zelensky), is deployed, and a dry run is asked for
    use_table(table("2026.12.1", (ZELENSKY, ZELENSKYY)))
    dry, shown = stack.reindex(dry_run=True)
    # Then it shows both articles and sends nothing
    assert dry.sent == 0 and dry.plan.selected == 2 and len(dry.plan.objects) == 2
    assert f"s3://{stack.bucket}/incoming/kiev.txt" in shown and "2026.12.0" in shown
    assert stack.queued(stack.pipeline.stack.ingest_queue_url) == 0
    # When the reindex runs and ingest processes what it sent
    result, _ = stack.reindex()
    assert result.sent == 2
    stack.pipeline.ingest.drain()
    # Then the index still answers as before until the indexer applies the events, one at a time
    assert stack.totals("location:kiev") == (1, 3) and "location:kiev" in stack.matches("kiev")
    applied: list[str] = []
    monkeypatch.setattr(indexer_handler, "applied_listeners", [lambda event, _: applied.append(str(event.type))])
    while stack.index_one_at_a_time.run_once() is not None:
        assert stack.totals("location:kyiv") is not None
        moved = stack.totals("location:kiev") is None
        assert stack.totals("location:kyiv") == ((2, 6) if moved else (1, 3))
        assert bool(stack.matches("kiev")) and bool(stack.matches("zelensk"))
    # (the two re-indexes, then the entities they left, released by events of their own)
    assert applied[:2] == ["newsingest.ArticleParsed"] * 2
    assert set(applied[2:]) == {"newsingest.EntitiesReleased"}
    # And afterwards both articles are under the new ids, with exact totals
    assert stack.totals("location:kyiv") == (2, 6)
    assert {posting.article_id for posting in stack.index.query_postings("location:kyiv").items} == {kiev, kyiv}
    assert [quote.texts for quote in entity_quotes(stack.index, "person:volodymyr-zelenskyy").items] == [
        ["We will not give up,"]
    ]
    for posting in stack.index.query_postings("location:warsaw").items:
        assert "location:kiev" not in posting.co_entities and posting.made_by is not None
        assert posting.made_by.endswith("/2026.12.1")
    # And nothing is left under the old ids: postings, quotes, profile, name keys
    assert stack.items_under("location:kiev") == [] and stack.items_under("person:volodymyr-zelensky") == []
    assert stack.totals("location:kiev") is None
    assert set(stack.matches("kiev")) == {"location:kyiv"}
    assert set(stack.matches("zelensky")) == {"person:volodymyr-zelenskyy"}
    article = stack.index.get_article(kiev)
    assert article is not None and article.alias_table_version == "2026.12.1"
    assert [entity.id for entity in article.entities][:1] == ["location:kyiv"]
    assert article.quoted == ["person:volodymyr-zelenskyy"]
    # When the reindex runs again
    before = stack.table_items()
    again, shown = stack.reindex()
    stack.pipeline.run()
    # Then it selects nothing and nothing changes
    assert again.sent == 0 and again.plan.selected == 0 and "0 article(s) to re-process" in shown
    assert stack.table_items() == before


def test_a_split_moves_only_the_articles_that_name_the_new_entity(
    stack: Stack, use_table: Callable[[AliasTable], None]
) -> None:
    # Given "Kiev" as another name of Kyiv: both articles under location:kyiv
    use_table(table("2026.12.0"))
    stack.upload("incoming/kiev.txt", KIEV_TEXT)
    stack.upload("incoming/kyiv.txt", KYIV_TEXT)
    stack.pipeline.run()
    kiev, kyiv = stack.article_of("incoming/kiev.txt"), stack.article_of("incoming/kyiv.txt")
    assert stack.totals("location:kyiv") == (2, 6) and stack.totals("location:kiev") is None
    # When a new table makes Kiev a place of its own and the reindex runs through the pipeline
    use_table(table("2026.12.1", (KYIV_WITH_KIEV, KYIV_AND_KIEV)))
    result, _ = stack.reindex()
    stack.pipeline.run()
    # Then each article is under its own place, with exact totals, and Kiev can be looked up
    assert result.sent == 2
    assert stack.totals("location:kyiv") == (1, 3) and stack.totals("location:kiev") == (1, 3)
    assert [posting.article_id for posting in stack.index.query_postings("location:kiev").items] == [kiev]
    assert [posting.article_id for posting in stack.index.query_postings("location:kyiv").items] == [kyiv]
    assert stack.matches("kiev") == {"location:kiev": 1}
    assert "kiev" not in {item["sk"].removeprefix("NAME#") for item in stack.items_under("location:kyiv")}
    assert {item["kind"] for item in stack.items_under("location:kiev")} == {"entity", "name", "posting"}
    for posting in stack.index.query_postings("location:warsaw").items:
        expected = "location:kiev" if posting.article_id == kiev else "location:kyiv"
        assert expected in posting.co_entities


def test_the_command_on_a_stack_dry_run_first_then_for_real(
    stack: Stack, use_table: Callable[[AliasTable], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an article indexed under one alias table, and a newer one deployed
    use_table(table("2026.12.0", (KYIV_WITH_KIEV, KYIV_AND_KIEV)))
    stack.upload("incoming/kiev.txt", KIEV_TEXT)
    stack.pipeline.run()
    use_table(table("2026.12.1"))
    # When `newsingest reindex --dry-run` is run on the stack
    assert main(["reindex", "--stack", "newsingest", "--dry-run"]) == 0
    # Then it says what it would do and sends nothing
    shown = capsys.readouterr()
    assert "1 article(s) to re-process, from 1 object(s)" in shown.out and "Dry run: nothing sent." in shown.out
    assert "aliases 2026.12.1" in shown.out and "scanning the index" in shown.err
    assert stack.queued(stack.pipeline.stack.ingest_queue_url) == 0
    # When it is run for real, with a rate, and the pipeline runs
    assert main(["reindex", "--stack", "newsingest", "--rate", "5/s"]) == 0
    assert "reindex: 1/1 objects sent (100%)" in capsys.readouterr().err
    stack.pipeline.run()
    # Then the article is under the merged id
    assert stack.totals("location:kyiv") == (1, 3) and stack.totals("location:kiev") is None


def test_an_object_an_older_extractor_rejected_goes_through_the_pipeline_again(stack: Stack) -> None:
    # Given an object rejected by an older extractor version (the current one rejects it too: empty)
    stack.upload("incoming/blank.txt", "   \n")
    stack.pipeline.run()
    rejection_key = {"pk": {"S": f"SOURCE#{stack.bucket}/incoming/blank.txt"}, "sk": {"S": "REJECTED"}}
    dynamodb, table_name = stack.clients["dynamodb"], stack.pipeline.stack.table_name
    dynamodb.update_item(
        TableName=table_name,
        Key=rejection_key,
        UpdateExpression="SET extractor_version = :old",
        ExpressionAttributeValues={":old": {"S": "0.0.1"}},
    )
    # When the reindex runs for the installed versions
    result, shown = stack.reindex()
    stack.pipeline.run()
    # Then the object was sent and rejected again by this version, so the next run selects nothing
    assert result.sent == 1 and "1 of 1 rejected object(s) rejected by an older extractor" in shown
    item = from_attribute_values(dynamodb.get_item(TableName=table_name, Key=rejection_key)["Item"])
    assert item["extractor_version"] == installed_versions().extractor and item["reason"] == "empty"
    again, shown = stack.reindex(dry_run=True)
    assert again.plan.objects == [] and "0 of 1 rejected object(s)" in shown


def test_the_command_names_a_stack_it_cannot_find(capsys: pytest.CaptureFixture[str], clients: dict[str, Any]) -> None:
    assert main(["reindex", "--stack", "nosuchstack", "--dry-run"]) == 2
    assert "nosuchstack" in capsys.readouterr().err

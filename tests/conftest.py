"""Shared fixtures: fake AWS credentials, a moto world with the template's resources, and the
local event source mapping that hands SQS batches to the handlers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.sqs import SqsEventPublisher
from newsingest.entities.aliases import alias_table
from newsingest.events import article_deleted_event, article_parsed_event
from newsingest.indexing.queries import entity_view
from newsingest.models import Article, Entity, EntityType, Mention, Quote, SourceRef, article_id_for, hash_text
from newsingest.stories.signature import signature_of

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials, and no AWS_ENDPOINT_URL: it would route boto3 around moto's mock."""
    from newsingest.local.demo import LOCAL_ENVIRONMENT

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in LOCAL_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")


@pytest.fixture
def aws(aws_environment: None) -> Iterator[None]:
    from moto import mock_aws

    from newsingest.local.demo import reset_caches

    with mock_aws():
        reset_caches()
        yield
    reset_caches()


@pytest.fixture
def clients(aws: None) -> dict[str, Any]:
    from newsingest.adapters.aws import client

    return {name: client(name) for name in ("s3", "sqs", "dynamodb")}


@pytest.fixture
def pipeline(clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The template's resources on moto with both handlers attached to their queues."""
    from newsingest.local.demo import start_pipeline

    return start_pipeline(clients["s3"], clients["sqs"], clients["dynamodb"], set_env=monkeypatch.setenv)


# -- events published straight to the index queue ----------------------------------------

RECEIVED = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)


def make_article(
    text: str,
    *,
    key: str,
    bucket: str,
    entities: list[tuple[str, str, int]] | list[tuple[str, str, int, list[str]]],
    published: str,
    quotes: list[Quote] | None = None,
) -> Article:
    """An article with the given entities: (name, type, mentions[, the forms the mentions use])."""
    digest = hash_text(text)
    return Article(
        id=article_id_for(digest),
        source=SourceRef(bucket=bucket, key=key, etag=digest[:32]),
        format="text",
        title=text.split(".")[0],
        published_at=datetime.fromisoformat(published),
        language="en",
        text=text,
        word_count=len(text.split()),
        content_sha256=digest,
        entities=[_entity(*entity) for entity in entities],
        quotes=quotes or [],
        extractor_version="test",
        signature=signature_of(text),
    )


def _entity(name: str, kind: str, count: int, forms: list[str] | None = None) -> Entity:
    known = alias_table().lookup(name)
    texts = forms or [name]
    return Entity(
        id=f"{kind}:{name.lower().replace(' ', '-')}",
        name=name,
        type=EntityType(kind),
        mention_count=count,
        mentions=[Mention(start=0, end=len(texts[n % len(texts)]), text=texts[n % len(texts)]) for n in range(count)],
        salience=0.5,
        known=known is not None,
        aliases=list(known.aliases) if known else [],
    )


class Harness:
    def __init__(self, pipeline: Any, clients: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.bucket = pipeline.stack.bucket
        self.publisher = SqsEventPublisher(clients["sqs"], pipeline.stack.index_queue_url)
        self.index = DynamoIndex(clients["dynamodb"], pipeline.stack.table_name)
        self.sqs = clients["sqs"]
        self.dynamodb = clients["dynamodb"]

    def parsed(self, article: Article, *, record_count: int = 1, parsed_range: str = "bytes=0-99") -> None:
        uri = f"s3://{self.bucket}/parsed/dt=2025-01-01/{article.id}.ndjson"
        event = article_parsed_event(
            article, parsed_uri=uri, parsed_range=parsed_range, received_at=RECEIVED, record_count=record_count
        )
        self.publisher.publish([event])

    def deleted(self, key: str) -> None:
        self.publisher.publish([article_deleted_event(SourceRef(bucket=self.bucket, key=key), received_at=RECEIVED)])

    def drain(self) -> None:
        self.pipeline.index.drain()

    def stats(self, entity_id: str) -> tuple[int, int] | None:
        found = entity_view(self.index, entity_id)
        return (found.article_count, found.mention_count) if found else None


@pytest.fixture
def harness(pipeline: Any, clients: dict[str, Any]) -> Harness:
    return Harness(pipeline, clients)


@pytest.fixture
def article_factory() -> Callable[..., Article]:
    return make_article

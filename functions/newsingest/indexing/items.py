"""Index items: the single-table layout of the DynamoDB index, one pydantic model per item kind.

The layout and the request behind each question are tabulated in the README ("Index"). In short:
articles live at `ARTICLE#<id>` (and on gsi1 by day), objects at `SOURCE#<bucket>/<key>`, and an
entity's postings and counters at `ENTITY#<entity_id>`. `sort_time` is the publication time in
UTC (the S3 event time when the article has none), so an entity's postings and a day's articles
come back newest first with one Query each. Every key derives from the article's content hash and
the object's bucket/key, never from an event id, so replaying an event rewrites the same items.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from newsingest.errors import RejectReason
from newsingest.events import ArticleParsed, ArticleRejected, EntitySummary
from newsingest.models import EntityType, Record, SourceRef

ARTICLE_SK = "ARTICLE"
SOURCE_SK = "SOURCE"
REJECTED_SK = "REJECTED"
STATS_SK = "STATS"
POSTING_SK_PREFIX = "POSTING#"


def article_pk(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def entity_pk(entity_id: str) -> str:
    return f"ENTITY#{entity_id}"


def source_pk(bucket: str | None, key: str) -> str:
    return f"SOURCE#{bucket or ''}/{key}"


def day_pk(day: str) -> str:
    return f"DAY#{day}"


def rejected_day_pk(day: str) -> str:
    return f"REJECTED#{day}"


def posting_sk(sort_time: str, article_id: str) -> str:
    return f"{POSTING_SK_PREFIX}{sort_time}#{article_id}"


def to_sort_time(moment: datetime) -> str:
    """UTC, second precision, `Z` suffix: sorts lexicographically in time order.

    A naive time (a page that gave no zone) is taken as UTC: the only reading that needs no guess
    about where the page was published."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Item(Record):
    pk: str
    sk: str

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item: JSON-compatible, None values left out (DynamoDB has no null need)."""
        return self.model_dump(mode="json", exclude_none=True)


class ArticleItem(_Item):
    """An indexed article: its summary, entities and every source it arrived from."""

    kind: Literal["article"] = "article"
    gsi1pk: str
    gsi1sk: str
    article_id: str
    sort_time: str
    title: str | None = None
    url: str | None = None
    authors: list[str] = Field(default_factory=list)
    published_at: str | None = None
    language: str | None = None
    word_count: int
    content_sha256: str
    parsed_uri: str
    extractor_version: str
    entities: list[EntitySummary]

    @classmethod
    def of(cls, event: ArticleParsed) -> ArticleItem:
        sort_time = to_sort_time(event.published_at or event.received_at)
        return cls(
            pk=article_pk(event.article_id),
            sk=ARTICLE_SK,
            gsi1pk=day_pk(sort_time[:10]),
            gsi1sk=f"{sort_time}#{event.article_id}",
            article_id=event.article_id,
            sort_time=sort_time,
            title=event.title,
            url=event.url,
            authors=event.authors,
            published_at=event.published_at.isoformat() if event.published_at else None,
            language=event.language,
            word_count=event.word_count,
            content_sha256=event.content_sha256,
            parsed_uri=event.parsed_uri,
            extractor_version=event.extractor_version,
            entities=event.entities,
        )


class SourceItem(_Item):
    """Which article an object currently holds: lets a delete or an update find its article."""

    kind: Literal["source"] = "source"
    bucket: str | None = None
    key: str
    article_id: str
    version_id: str | None = None
    etag: str | None = None
    sequencer: str | None = None
    received_at: str

    @classmethod
    def of(cls, event: ArticleParsed) -> SourceItem:
        source = event.source
        return cls(
            pk=source_pk(source.bucket, source.key),
            sk=SOURCE_SK,
            bucket=source.bucket,
            key=source.key,
            article_id=event.article_id,
            version_id=source.version_id,
            etag=source.etag,
            sequencer=source.sequencer,
            received_at=event.received_at.isoformat(),
        )


class RejectionItem(_Item):
    """Why an object was not indexed: listed by day for the CLI and operators."""

    kind: Literal["rejection"] = "rejection"
    gsi1pk: str
    gsi1sk: str
    bucket: str | None = None
    key: str
    reason: RejectReason
    message: str
    received_at: str

    @classmethod
    def of(cls, event: ArticleRejected) -> RejectionItem:
        source = event.source
        moment = to_sort_time(event.received_at)
        return cls(
            pk=source_pk(source.bucket, source.key),
            sk=REJECTED_SK,
            gsi1pk=rejected_day_pk(moment[:10]),
            gsi1sk=f"{moment}#{source.bucket or ''}/{source.key}",
            bucket=source.bucket,
            key=source.key,
            reason=event.reason,
            message=event.message,
            received_at=event.received_at.isoformat(),
        )


class PostingItem(_Item):
    """Entity X is mentioned in article A: one Query lists an entity's articles newest first."""

    kind: Literal["posting"] = "posting"
    entity_id: str
    article_id: str
    sort_time: str
    title: str | None = None
    mention_count: Annotated[int, Field(ge=1)]
    salience: float

    @classmethod
    def of(cls, article: ArticleItem, entity: EntitySummary) -> PostingItem:
        return cls(
            pk=entity_pk(entity.id),
            sk=posting_sk(article.sort_time, article.article_id),
            entity_id=entity.id,
            article_id=article.article_id,
            sort_time=article.sort_time,
            title=article.title,
            mention_count=entity.mention_count,
            salience=entity.salience,
        )


class EntityStatsItem(_Item):
    """Counters per entity, kept exact by updating them in the same transaction as the postings."""

    kind: Literal["entity"] = "entity"
    entity_id: str
    name: str
    type: EntityType
    article_count: Annotated[int, Field(ge=0)]
    mention_count: Annotated[int, Field(ge=0)]


def source_of(item: SourceItem) -> SourceRef:
    """The SourceRef a source item records."""
    return SourceRef(
        bucket=item.bucket,
        key=item.key,
        version_id=item.version_id,
        etag=item.etag,
        sequencer=item.sequencer,
    )

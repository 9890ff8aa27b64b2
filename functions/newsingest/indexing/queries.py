"""What the index answers, as result models and opaque cursors, over the IndexReader interface:
plain Python that the HTTP API, the CLI and the demo share."""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from datetime import date
from typing import Annotated, Any, Protocol

from pydantic import Field

from newsingest.indexing.items import (
    ArticleItem,
    ArticleSummary,
    EntityProfileItem,
    PostingItem,
    QuoteItem,
    RejectionItem,
)
from newsingest.models import Record

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
"""100 postings of ~500 bytes stay far below a Query page's 1 MB; as many rows as a person reads."""

CO_OCCURRENCE_WINDOW = 200
"""Recent postings read to rank companions: a stable top ten for one Query page per shard."""

TOP_COMPANIONS = 10


class InvalidCursor(ValueError):
    """A cursor that this index did not issue (or that was altered)."""


def encode_cursor(state: dict[str, Any] | None) -> str | None:
    if not state:
        return None
    raw = json.dumps(state, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Anything malformed is an InvalidCursor (a 400), never a server error."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidCursor("cursor is not one this API issued") from exc
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidCursor("cursor is not one this API issued")
    return value


class EntityStats(Record):
    """An entity's totals across the index."""

    entity_id: str
    name: str
    type: str
    article_count: int
    mention_count: int
    first_seen: Annotated[str | None, Field(description="sort_time of its oldest article")] = None
    last_seen: Annotated[str | None, Field(description="sort_time of its newest article")] = None


class EntityTotals(Record):
    """An entity's totals as counted from its postings."""

    article_count: int
    mention_count: int
    first_seen: str | None = None
    last_seen: str | None = None


class Companion(Record):
    """An entity seen in the same articles as another."""

    entity_id: str
    name: str | None = None
    type: str | None = None
    shared_articles: int


class EntityDetail(Record):
    """Stats plus the entities most often seen with it in a time window."""

    stats: EntityStats
    companions: list[Companion]
    window_articles: Annotated[int, Field(description="Articles the companions were counted over")]


class PostingPage(Record):
    """A page of an entity's articles."""

    items: list[PostingItem]
    cursor: str | None = None


class QuotePage(Record):
    """A page of what an entity said, newest first."""

    items: list[QuoteItem]
    cursor: str | None = None


class ArticlePage(Record):
    """A page of articles (their summaries: `/articles/{id}` has the rest)."""

    items: list[ArticleSummary]
    cursor: str | None = None


class ArticleDetail(ArticleItem):
    """An indexed article as `GET /articles/{id}` answers: the item and every object holding it."""

    sources: Annotated[
        list[str],
        Field(
            description="The objects the article arrived from, sorted: `bucket/key`, plus `#n` for record n "
            "of a multi-record file (the same text under several keys is one article with several sources)"
        ),
    ]


class IndexReader(Protocol):
    """Read access to the index (DynamoDB in AWS)."""

    def get_article(self, article_id: str) -> ArticleItem | None: ...

    def get_article_detail(self, article_id: str) -> ArticleDetail | None: ...

    def entity_totals(self, entity_id: str) -> EntityTotals: ...

    def get_profiles(self, entity_ids: list[str]) -> dict[str, EntityProfileItem]: ...

    def search_entities(
        self, prefix: str, *, entity_type: str | None = None, limit: int = DEFAULT_PAGE_SIZE
    ) -> list[EntityProfileItem]: ...

    def query_postings(
        self,
        entity_id: str,
        *,
        newest_first: bool = True,
        since: str | None = None,
        until: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> PostingPage: ...

    def query_quotes(
        self,
        entity_id: str,
        *,
        since: str | None = None,
        until: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> QuotePage: ...

    def query_day(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> ArticlePage: ...

    def query_rejections(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE) -> list[RejectionItem]: ...


def entity_stats(reader: IndexReader, entity_id: str) -> EntityStats | None:
    """Counted from its postings, so exact whatever was replayed or removed; None with no article."""
    totals = reader.entity_totals(entity_id)
    if totals.article_count == 0:
        return None
    profile = reader.get_profiles([entity_id]).get(entity_id)
    return EntityStats(
        entity_id=entity_id,
        name=profile.name if profile else entity_id.split(":", 1)[-1],
        type=str(profile.type) if profile else entity_id.split(":", 1)[0],
        article_count=totals.article_count,
        mention_count=totals.mention_count,
        first_seen=totals.first_seen,
        last_seen=totals.last_seen,
    )


def entity_detail(
    reader: IndexReader, entity_id: str, *, since: str | None = None, until: str | None = None
) -> EntityDetail | None:
    """Stats and companions: one pass over its recent postings, which carry their co-entities."""
    stats = entity_stats(reader, entity_id)
    if stats is None:
        return None
    postings = reader.query_postings(entity_id, since=since, until=until, limit=CO_OCCURRENCE_WINDOW).items
    counts = Counter(other for posting in postings for other in posting.co_entities)
    top = [entity for entity, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_COMPANIONS]]
    profiles = reader.get_profiles(top) if top else {}
    companions = [
        Companion(
            entity_id=other,
            name=profiles[other].name if other in profiles else None,
            type=str(profiles[other].type) if other in profiles else None,
            shared_articles=counts[other],
        )
        for other in top
    ]
    return EntityDetail(stats=stats, companions=companions, window_articles=len(postings))

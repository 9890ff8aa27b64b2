"""What the index answers, as result models, and the opaque cursors that page through them."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Annotated, Any, Protocol

from pydantic import Field

from newsingest.indexing.items import ArticleItem, EntityStatsItem, PostingItem, RejectionItem
from newsingest.models import Record

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
"""One DynamoDB Query page of postings (~300 bytes each) stays far below the 1 MB page limit."""


class InvalidCursor(ValueError):
    """A cursor that this index did not issue (or that was altered)."""


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    """Opaque to callers: they pass it back unchanged to get the next page."""
    if not last_evaluated_key:
        return None
    raw = json.dumps(last_evaluated_key, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """Reverse of encode_cursor; anything malformed is an InvalidCursor, never a server error."""
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


class PostingPage(Record):
    """A page of an entity's articles, newest first."""

    items: list[PostingItem]
    cursor: str | None = None


class ArticlePage(Record):
    """A page of articles."""

    items: list[ArticleItem]
    cursor: str | None = None


class IndexReader(Protocol):
    """Read access to the index (DynamoDB in AWS)."""

    def get_article(self, article_id: str) -> ArticleItem | None: ...

    def get_entity_stats(self, entity_id: str) -> EntityStatsItem | None: ...

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

    def query_day(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> ArticlePage: ...

    def query_rejections(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE) -> list[RejectionItem]: ...


def entity_stats(reader: IndexReader, entity_id: str) -> EntityStats | None:
    """Counters from the stats item; first and last seen from the two ends of the postings, so
    they stay exact when articles are deleted (a counter could not say what the new first is)."""
    stats = reader.get_entity_stats(entity_id)
    if stats is None or stats.article_count == 0:
        return None
    newest = reader.query_postings(entity_id, newest_first=True, limit=1).items
    oldest = reader.query_postings(entity_id, newest_first=False, limit=1).items
    return EntityStats(
        entity_id=entity_id,
        name=stats.name,
        type=stats.type,
        article_count=stats.article_count,
        mention_count=stats.mention_count,
        first_seen=oldest[0].sort_time if oldest else None,
        last_seen=newest[0].sort_time if newest else None,
    )


def clamp_limit(limit: int | None) -> int:
    """Page sizes outside 1..MAX_PAGE_SIZE are errors, not silently clamped, at the API; here
    the library default applies when none is given."""
    if limit is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    return limit

"""What the index answers, as result models and opaque cursors, over the IndexReader interface:
plain Python that the HTTP API, the CLI and the demo share."""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from newsingest.api_models import (
    ArticleEntity,
    ArticlePage,
    ArticleStory,
    ArticleSummary,
    ArticleView,
    Companion,
    EntityArticle,
    EntityArticlePage,
    EntityMatch,
    EntityMatchPage,
    EntityQuote,
    EntityQuotePage,
    EntityView,
    StoryCopy,
    StoryView,
    Timeline,
    TimelinePoint,
)
from newsingest.indexing.items import (
    ArticleItem,
    ArticleSummaryItem,
    EntityProfileItem,
    NameItem,
    PostingItem,
    QuoteItem,
    RejectionItem,
    StoryMemberItem,
)
from newsingest.indexing.names import lookup_form
from newsingest.models import EntityType, Record

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
"""100 postings of ~500 bytes stay far below a Query page's 1 MB; as many rows as a person reads."""

CO_OCCURRENCE_WINDOW = 200
"""Recent postings read to rank companions: a stable top ten for one Query page per shard."""

TOP_COMPANIONS = 10

MAX_NAME_ITEMS_READ = 500
"""Name keys read per partition and look-up: one Query page (~60 KB of ~120-byte keys, 8 read units)."""

MAX_RANKED_CANDIDATES = 50
"""Entities whose articles a look-up counts to rank them: the alias table's matches, then the rest
in key order. Typing three letters brings a name's matches under 50 in the indexes measured
(docs/design.md#look-up); a one- or two-letter prefix ranks the first 50 it finds."""

RANK_COUNT_CAP = 1_000
"""Articles counted per entity to rank a look-up: past 1,000 the order is by name. Counting reads
its postings (~0.1 read units each), so a look-up costs at most ~100 read units per busy entity."""

MAX_TIMELINE_POINTS = 400
"""A year of days, or seven and a half years of weeks, per request."""

COLLAPSE_SEEN_STORIES = 64
"""Stories a collapsed list remembers from earlier pages (in its cursor, as 8-hex prefixes), so a
story shown once is not shown again: copies of a story appear within hours of each other, on the
same or the next pages; 64 is three pages of 20 and keeps the cursor under 2 KB."""

COLLAPSE_MAX_READS = 10
"""Pages of postings one collapsed page may read to fill itself: a list of nothing but copies of
the same few stories stops there and returns what it found, with a cursor."""

STORY_PREFIX_CHARS = 8
"""Enough of a story id to tell 64 stories apart in a cursor (collision odds ~5e-7)."""


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


class EntityTotals(Record):
    """An entity's totals as counted from its postings."""

    article_count: int
    story_count: int = 0
    mention_count: int
    first_seen: str | None = None
    last_seen: str | None = None


class PostingPage(Record):
    """A page of an entity's postings."""

    items: list[PostingItem]
    cursor: str | None = None


class QuotePage(Record):
    """A page of an entity's quote items, newest first."""

    items: list[QuoteItem]
    cursor: str | None = None


class DayPage(Record):
    """A page of a day's article summaries."""

    items: list[ArticleSummaryItem]
    cursor: str | None = None


class StoredArticle(Record):
    """An article item and every object holding it (sorted `bucket/key[#n]`)."""

    article: ArticleItem
    sources: list[str]


class IndexReader(Protocol):
    """Read access to the index (DynamoDB in AWS)."""

    def get_article(self, article_id: str) -> ArticleItem | None: ...

    def get_article_with_sources(self, article_id: str) -> StoredArticle | None: ...

    def entity_totals(self, entity_id: str) -> EntityTotals: ...

    def get_profiles(self, entity_ids: list[str]) -> dict[str, EntityProfileItem]: ...

    def find_names(self, key_prefix: str, *, known: bool, limit: int) -> list[NameItem]:
        """Name-index keys starting with `key_prefix` (look-up form), in key order."""
        ...

    def count_articles(self, entity_ids: list[str], *, cap: int) -> dict[str, int]:
        """Each entity's article count, counting no further than `cap`."""
        ...

    def posting_times(self, entity_id: str, *, since: str, until: str) -> list[str]:
        """The sort times of the entity's postings between two sort times (inclusive)."""
        ...

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

    def query_day(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> DayPage: ...

    def query_rejections(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE) -> list[RejectionItem]: ...

    def story_members(self, story_id: str) -> list[StoryMemberItem]: ...

    def story_sizes(self, story_ids: list[str]) -> dict[str, int]:
        """Each story's articles: its member items, and the article that started it while indexed."""
        ...

    def get_articles_with_sources(self, article_ids: list[str]) -> list[StoredArticle]: ...


def entity_view(
    reader: IndexReader, entity_id: str, *, since: str | None = None, until: str | None = None
) -> EntityView | None:
    """Totals counted from its postings (exact whatever was replayed or removed) and companions from
    one pass over its recent postings, which carry their co-entities; None with no article."""
    totals = reader.entity_totals(entity_id)
    if totals.article_count == 0:
        return None
    postings = reader.query_postings(entity_id, since=since, until=until, limit=CO_OCCURRENCE_WINDOW).items
    counts = Counter(other for posting in postings for other in posting.co_entities)
    top = [entity for entity, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_COMPANIONS]]
    profiles = reader.get_profiles([entity_id, *top])
    profile = profiles.get(entity_id)
    return EntityView(
        id=entity_id,
        name=profile.name if profile else entity_id.split(":", 1)[-1],
        type=profile.type if profile else EntityType(entity_id.split(":", 1)[0]),
        article_count=totals.article_count,
        story_count=totals.story_count,
        mention_count=totals.mention_count,
        first_seen=totals.first_seen,
        last_seen=totals.last_seen,
        companions=[
            Companion(
                id=other,
                name=profiles[other].name if other in profiles else None,
                type=profiles[other].type if other in profiles else None,
                shared_articles=counts[other],
            )
            for other in top
        ],
        companion_window_articles=len(postings),
    )


def entity_articles(
    reader: IndexReader,
    entity_id: str,
    *,
    newest_first: bool = True,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    collapse: bool = False,
) -> EntityArticlePage:
    """A page of the entity's articles; `collapse` shows one row per story (its first copy in the
    list's order, with the story's copy count) instead of one per article."""
    if collapse:
        return _collapsed_articles(
            reader, entity_id, newest_first=newest_first, since=since, until=until, limit=limit, cursor=cursor
        )
    page = reader.query_postings(
        entity_id, newest_first=newest_first, since=since, until=until, limit=limit, cursor=cursor
    )
    return EntityArticlePage(items=[_entity_article(posting) for posting in page.items], cursor=page.cursor)


def _entity_article(posting: PostingItem, copy_count: int | None = None) -> EntityArticle:
    return EntityArticle(
        article_id=posting.article_id,
        title=posting.title,
        time=posting.sort_time,
        mention_count=posting.mention_count,
        salience=posting.salience,
        co_entity_ids=posting.co_entities,
        story_id=posting.story,
        copy_count=copy_count,
    )


def _collapsed_articles(
    reader: IndexReader,
    entity_id: str,
    *,
    newest_first: bool,
    since: str | None,
    until: str | None,
    limit: int,
    cursor: str | None,
) -> EntityArticlePage:
    """Postings read in order, a story's later copies skipped: each read asks only for the rows still
    missing, so a page never reads past what it returns and the postings cursor resumes exactly."""
    state = decode_cursor(cursor) or {"postings": None, "seen": []}
    inner, seen = state.get("postings"), state.get("seen")
    if (
        not (inner is None or isinstance(inner, str))
        or not isinstance(seen, list)
        or set(state) != {"postings", "seen"}
    ):
        raise InvalidCursor("cursor is not one this API issued for a collapsed list")
    shown = [str(prefix) for prefix in seen]
    rows: list[PostingItem] = []
    for _ in range(COLLAPSE_MAX_READS):
        page = reader.query_postings(
            entity_id, newest_first=newest_first, since=since, until=until, limit=limit - len(rows), cursor=inner
        )
        for posting in page.items:
            prefix = posting.story[:STORY_PREFIX_CHARS]
            if prefix not in shown:
                shown.append(prefix)
                rows.append(posting)
        inner = page.cursor
        if inner is None or len(rows) >= limit:
            break
    sizes = reader.story_sizes(list(dict.fromkeys(posting.story for posting in rows))) if rows else {}
    next_cursor = (
        encode_cursor({"postings": inner, "seen": shown[-COLLAPSE_SEEN_STORIES:]}) if inner is not None else None
    )
    return EntityArticlePage(
        items=[_entity_article(posting, max(1, sizes.get(posting.story, 1))) for posting in rows], cursor=next_cursor
    )


def entity_quotes(
    reader: IndexReader,
    entity_id: str,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> EntityQuotePage:
    page = reader.query_quotes(entity_id, since=since, until=until, limit=limit, cursor=cursor)
    return EntityQuotePage(
        items=[
            EntityQuote(
                article_id=quote.article_id,
                title=quote.title,
                time=quote.sort_time,
                speaker_name=quote.speaker_name,
                texts=quote.texts,
            )
            for quote in page.items
        ],
        cursor=page.cursor,
    )


def _summary_fields(item: ArticleSummaryItem) -> dict[str, Any]:
    return {
        "id": item.article_id,
        "title": item.title,
        "url": item.url,
        "published_at": item.published_at,
        "time": item.sort_time,
        "language": item.language,
        "word_count": item.word_count,
    }


def day_articles(
    reader: IndexReader, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
) -> ArticlePage:
    page = reader.query_day(day, limit=limit, cursor=cursor)
    return ArticlePage(items=[ArticleSummary(**_summary_fields(item)) for item in page.items], cursor=page.cursor)


def _canonical(members: list[StoryMemberItem]) -> StoryMemberItem:
    """The earliest published copy (ties: the smallest id)."""
    return min(members, key=lambda member: (member.sort_time, member.article_id))


def _story_articles(reader: IndexReader, story_id: str) -> list[StoredArticle]:
    """The articles of a story: the one that started it (whose id it has) while it is indexed, and
    those its member items name, each only while its item still names the story."""
    ids = [story_id, *(member.article_id for member in reader.story_members(story_id))]
    return [item for item in reader.get_articles_with_sources(ids) if item.article.story == story_id]


def article_story(reader: IndexReader, article: ArticleItem) -> ArticleStory:
    """The article's story and its copy count, from the story's member items (their times) and the
    article that started it (one Query, and one GetItem for a copy)."""
    story_id = article.story
    members = {member.article_id: member for member in reader.story_members(story_id)}
    founder = article if story_id == article.article_id else reader.get_article(story_id)
    members.pop(story_id, None)
    if founder is not None and founder.story == story_id:
        members[story_id] = StoryMemberItem.of(story_id, story_id, founder.sort_time)
    members[article.article_id] = StoryMemberItem.of(story_id, article.article_id, article.sort_time)
    canonical = _canonical(list(members.values()))
    return ArticleStory(
        id=story_id,
        copy_count=len(members),
        canonical_id=canonical.article_id,
        is_canonical=canonical.article_id == article.article_id,
    )


def story_view(reader: IndexReader, story_id: str) -> StoryView | None:
    """A story's copies, earliest first (the first is canonical), with their sources; None when no
    indexed article is in the story."""
    stored = _story_articles(reader, story_id)
    if not stored:
        return None
    stored.sort(key=lambda item: (item.article.sort_time, item.article.article_id))
    copies = [
        StoryCopy(
            id=item.article.article_id,
            title=item.article.title,
            url=item.article.url,
            published_at=item.article.published_at,
            time=item.article.sort_time,
            sources=item.sources,
        )
        for item in stored
    ]
    return StoryView(
        id=story_id,
        canonical_id=copies[0].id,
        copy_count=len(copies),
        first_time=copies[0].time,
        last_time=copies[-1].time,
        copies=copies,
    )


def article_view(reader: IndexReader, article_id: str) -> ArticleView | None:
    stored = reader.get_article_with_sources(article_id)
    if stored is None:
        return None
    article = stored.article
    return ArticleView(
        **_summary_fields(article),
        authors=article.authors,
        entities=[
            ArticleEntity(**entity.model_dump(include=set(ArticleEntity.model_fields))) for entity in article.entities
        ],
        entity_count=article.entity_count,
        quote_count=article.quote_count,
        quoted=article.quoted,
        sources=stored.sources,
        content_sha256=article.content_sha256,
        extractor_version=article.extractor_version,
        entity_model=article.entity_model,
        alias_table_version=article.alias_table_version,
        story=article_story(reader, article),
    )


def search_entities(
    reader: IndexReader,
    text: str,
    *,
    entity_type: EntityType | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> EntityMatchPage:
    """Entities with a name or alias a word of which starts with `text` (several words: in order),
    case, accents and punctuation aside; ranked by articles (counted up to RANK_COUNT_CAP), then
    name. The alias table's entities are read first, then the rest in key order, up to
    MAX_RANKED_CANDIDATES entities (docs/design.md#look-up)."""
    key = lookup_form(text)
    state = decode_cursor(cursor) or {"offset": 0}
    offset = state.get("offset")
    if not isinstance(offset, int) or offset < 0 or state.get("q", key) != key:
        raise InvalidCursor("cursor is not one this API issued for that look-up")
    if not key:
        return EntityMatchPage(items=[])
    best: dict[str, NameItem] = {}
    for known in (True, False):
        for item in reader.find_names(key, known=known, limit=MAX_NAME_ITEMS_READ):
            if entity_type is not None and item.type != entity_type:
                continue
            held = best.get(item.entity_id)
            if held is None:
                if len(best) >= MAX_RANKED_CANDIDATES:
                    continue
                best[item.entity_id] = item
            elif len(item.key) < len(held.key):
                best[item.entity_id] = item  # the closest match shows ("us" before "usa")
    counts = reader.count_articles(list(best), cap=RANK_COUNT_CAP) if best else {}
    found = [entity for entity in best if counts.get(entity, 0) > 0]
    profiles = reader.get_profiles(found) if found else {}

    def name_of(entity: str) -> str:
        return profiles[entity].name if entity in profiles else best[entity].name

    ranked = sorted(found, key=lambda entity: (-counts[entity], lookup_form(name_of(entity)), entity))
    page = ranked[offset : offset + limit]
    more = offset + limit < len(ranked)
    return EntityMatchPage(
        items=[
            EntityMatch(
                id=entity,
                name=name_of(entity),
                type=best[entity].type,
                matched=best[entity].name,
                article_count=counts[entity],
            )
            for entity in page
        ],
        cursor=encode_cursor({"q": key, "offset": offset + limit}) if more else None,
    )


def entity_timeline(
    reader: IndexReader, entity_id: str, *, start: date, end: date, interval: Literal["day", "week"]
) -> Timeline:
    """Articles per day or week (weeks start on Monday) from `start` to `end`, zero-filled: one
    pass over the postings of the range, which reads about 0.1 read units per posting."""
    if interval == "week":
        start -= timedelta(days=start.weekday())
    step = timedelta(days=7 if interval == "week" else 1)
    times = reader.posting_times(
        entity_id, since=f"{start.isoformat()}T00:00:00Z", until=f"{end.isoformat()}T23:59:59Z"
    )
    per_day = Counter(date.fromisoformat(moment[:10]) for moment in times)
    points = []
    first = start
    while first <= end:
        count = sum(per_day[first + timedelta(days=offset)] for offset in range(step.days))
        points.append(TimelinePoint(start=first.isoformat(), count=count))
        first += step
    return Timeline.model_validate(
        {
            "entity_id": entity_id,
            "interval": interval,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "points": points,
            "total": sum(point.count for point in points),
        }
    )

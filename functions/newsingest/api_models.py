"""The query API's public contract (version `API_VERSION`): what each route answers, field by field
with an example. These models are built from the index's storage items and never expose their
keys, so the table's layout can change without changing the API (docs/reference.md#api)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from newsingest.models import EntityType, Record

API_VERSION = "1"
"""The major version in every route's path (`/v1/...`): bumped only by a change that breaks clients."""

API_PREFIX = f"/v{API_VERSION}"

ENTITY_ID_EXAMPLE = "person:vladimir-putin"
ARTICLE_ID_EXAMPLE = "3f1c2a9e8b7d4c6a5e0f1b2c3d4e5f60"
TIME_EXAMPLE = "2024-03-18T09:30:00Z"


def _field(description: str, example: Any, **kwargs: Any) -> Any:
    return Field(description=description, examples=[example], **kwargs)


EntityIdField = Annotated[str, _field("Entity id `<type>:<slug>`", ENTITY_ID_EXAMPLE)]
ArticleIdField = Annotated[
    str, _field("Article id: 32 hex characters derived from the article's text", ARTICLE_ID_EXAMPLE)
]
StoryIdField = Annotated[
    str,
    _field("Story id: the id of the article that started the story (it may since have left it)", ARTICLE_ID_EXAMPLE),
]
EntityName = Annotated[str, _field("Canonical name", "Vladimir Putin")]
TypeField = Annotated[EntityType, _field("Entity type", "person")]
TimeField = Annotated[
    str, _field("When the article was published (or received, when it gives no date), UTC", TIME_EXAMPLE)
]
TitleField = Annotated[str | None, _field("Headline", "Belarus and Russia deepen their alliance")]
Cursor = Annotated[
    str | None, _field("Pass as `cursor` for the next page; null on the last page", "eyJvZmZzZXQiOjIwfQ")
]


class EntityMatch(Record):
    """An entity whose name or alias matches a look-up."""

    id: EntityIdField
    name: EntityName
    type: TypeField
    matched: Annotated[str, _field("The name or alias that matched, as written", "President Putin")]
    article_count: Annotated[
        int,
        _field("Articles mentioning it, counted up to 1,000 for ranking: 1000 means 1,000 or more", 42, ge=0),
    ]


class EntityMatchPage(Record):
    """Entities matching a look-up, most mentioned first, then by name."""

    items: Annotated[list[EntityMatch], Field(description="This page's rows")]
    cursor: Cursor = None


class Companion(Record):
    """An entity seen in the same articles as another."""

    id: EntityIdField
    name: Annotated[str | None, _field("Canonical name", "Alexander Lukashenko")] = None
    type: Annotated[EntityType | None, _field("Entity type", "person")] = None
    shared_articles: Annotated[int, _field("Articles naming both, among those counted", 7, ge=1)]


class EntityView(Record):
    """An entity's totals and the entities most often seen with it."""

    id: EntityIdField
    name: EntityName
    type: TypeField
    article_count: Annotated[int, _field("Articles mentioning it (exact)", 42, ge=0)]
    story_count: Annotated[
        int, _field("Stories mentioning it: syndicated copies of one story count once (exact)", 30, ge=0)
    ]
    mention_count: Annotated[int, _field("Mentions across those articles", 118, ge=0)]
    first_seen: Annotated[str | None, _field("Time of its oldest article", "2024-01-05T08:00:00Z")] = None
    last_seen: Annotated[str | None, _field("Time of its newest article", TIME_EXAMPLE)] = None
    companions: Annotated[list[Companion], _field("Most often seen with it, most shared first", [])]
    companion_window_articles: Annotated[
        int, _field("Its most recent articles (in the from/to window) the companions were counted over", 42, ge=0)
    ]


class EntityArticle(Record):
    """An article mentioning an entity, as the entity's article list shows it."""

    article_id: ArticleIdField
    title: TitleField = None
    time: TimeField
    mention_count: Annotated[int, _field("Times the article names the entity", 3, ge=1)]
    salience: Annotated[float, _field("How central the entity is to the article, 0-1", 0.82)]
    co_entity_ids: Annotated[list[str], _field("The article's most salient other entities", ["location:belarus"])]
    story_id: Annotated[str | None, _field("Its story (its own id when it has no copy)", ARTICLE_ID_EXAMPLE)] = None
    copy_count: Annotated[
        int | None, _field("With collapse=story: the copies its story has (this row stands for all)", 3, ge=1)
    ] = None


class EntityArticlePage(Record):
    """A page of an entity's articles."""

    items: Annotated[list[EntityArticle], Field(description="This page's rows")]
    cursor: Cursor = None


class EntityQuote(Record):
    """What an entity said in one article."""

    article_id: ArticleIdField
    title: TitleField = None
    time: TimeField
    speaker_name: Annotated[str | None, _field("The speaker as the article names them", "Vladimir Putin")] = None
    texts: Annotated[list[str], _field("The quotations, in the article's order", ["We are one people."])]


class EntityQuotePage(Record):
    """A page of what an entity said, newest first."""

    items: Annotated[list[EntityQuote], Field(description="This page's rows")]
    cursor: Cursor = None


class TimelinePoint(Record):
    """Articles mentioning the entity in one interval."""

    start: Annotated[str, _field("First day of the interval (weeks start on Monday), UTC", "2024-03-18")]
    count: Annotated[int, _field("Articles in the interval", 5, ge=0)]


class Timeline(Record):
    """How many articles mentioned an entity in each day or week of a range, zero-filled."""

    entity_id: EntityIdField
    interval: Annotated[Literal["day", "week"], _field("The length of each point", "day")]
    from_: Annotated[str, _field("First day covered", "2024-02-19", alias="from")]
    to: Annotated[str, _field("Last day covered", "2024-03-18")]
    points: Annotated[list[TimelinePoint], _field("One per interval, oldest first", [])]
    total: Annotated[int, _field("Articles in the whole range", 42, ge=0)]


class ArticleEntity(Record):
    """An entity an article is indexed under."""

    id: EntityIdField
    name: EntityName
    type: TypeField
    mention_count: Annotated[int, _field("Times the article names it", 3, ge=1)]
    salience: Annotated[float, _field("How central it is to the article, 0-1", 0.82)]
    known: Annotated[bool, _field("The alias table knows it (id, name, type are the table's)", True)] = False
    in_title: Annotated[bool, _field("The headline names it", False)] = False


class ArticleSummary(Record):
    """An article as a listing shows it."""

    id: ArticleIdField
    title: TitleField = None
    url: Annotated[str | None, _field("Where it was published", "https://example.com/news/belarus")] = None
    published_at: Annotated[str | None, _field("Publication time as the page gave it", "2024-03-18T09:30:00+00:00")] = (
        None
    )
    time: TimeField
    language: Annotated[str | None, _field("ISO 639-1 language", "en")] = None
    word_count: Annotated[int, _field("Words in the main text", 812, ge=0)]


class ArticlePage(Record):
    """A page of articles, newest first."""

    items: Annotated[list[ArticleSummary], Field(description="This page's rows")]
    cursor: Cursor = None


class ArticleStory(Record):
    """The story an article belongs to: it and its near-duplicate copies (syndication)."""

    id: StoryIdField
    copy_count: Annotated[int, _field("Articles in the story, this one included", 3, ge=1)]
    canonical_id: Annotated[
        str, _field("The story's canonical article: its earliest published copy", ARTICLE_ID_EXAMPLE)
    ]
    is_canonical: Annotated[bool, _field("This article is the canonical one", True)]


class StoryCopy(Record):
    """One copy of a story."""

    id: ArticleIdField
    title: TitleField = None
    url: Annotated[str | None, _field("Where this copy was published", "https://example.com/news/belarus")] = None
    published_at: Annotated[str | None, _field("Publication time as the page gave it", "2024-03-18T09:30:00+00:00")] = (
        None
    )
    time: TimeField
    sources: Annotated[list[str], _field("The objects this copy arrived from", ["news-bucket/incoming/belarus.txt"])]


class StoryView(Record):
    """A story: the near-duplicate copies of one article (the same wire story on several sites),
    earliest first, with the span of time they were published in."""

    id: StoryIdField
    canonical_id: Annotated[str, _field("The earliest published copy", ARTICLE_ID_EXAMPLE)]
    copy_count: Annotated[int, _field("Articles in the story", 3, ge=1)]
    first_time: Annotated[str, _field("When its first copy was published (UTC)", "2024-03-18T06:00:00Z")]
    last_time: Annotated[str, _field("When its last copy was published (UTC)", TIME_EXAMPLE)]
    copies: Annotated[list[StoryCopy], _field("Every copy, earliest first (the canonical one first)", [])]


class ArticleView(ArticleSummary):
    """An indexed article: metadata, the entities it is indexed under, its sources and provenance.
    `/v1/articles/{id}/parsed` has the full text and every mention."""

    authors: Annotated[list[str], _field("Bylines", ["Jane Doe"])]
    entities: Annotated[list[ArticleEntity], _field("The entities it is indexed under, most salient first", [])]
    entity_count: Annotated[int | None, _field("Entities found, indexed or not", 14)] = None
    quote_count: Annotated[int | None, _field("Quotations found", 3)] = None
    quoted: Annotated[list[str], _field("Speakers whose quotations it files", [ENTITY_ID_EXAMPLE])]
    sources: Annotated[
        list[str],
        _field(
            "The objects it arrived from, sorted: `bucket/key`, plus `#n` for record n of a multi-record file "
            "(the same text under several keys is one article)",
            ["news-bucket/incoming/belarus.txt"],
        ),
    ]
    content_sha256: Annotated[str, _field("SHA-256 of the main text", "3f1c2a9e" + "0" * 56)]
    extractor_version: Annotated[str, _field("Version of the extractor that parsed it", "2026.12.0")]
    entity_model: Annotated[str | None, _field("The NER model that found its entities", "en_core_web_sm-3.8.0")] = None
    alias_table_version: Annotated[str | None, _field("Version of the alias table used", "2026.12.0")] = None
    story: Annotated[
        ArticleStory | None,
        _field(
            "The story it belongs to and how many copies it has (its own story, of one copy, when it has none)", None
        ),
    ] = None


class ErrorBody(Record):
    """What every 4xx but validation's 422 says."""

    message: Annotated[str, _field("What was wrong", "no entity person:nobody")]
    details: list[Any] = Field(default_factory=list)


API_MODELS: dict[str, type[Record]] = {
    "api-entity-match-page": EntityMatchPage,
    "api-entity": EntityView,
    "api-entity-article-page": EntityArticlePage,
    "api-entity-quote-page": EntityQuotePage,
    "api-timeline": Timeline,
    "api-article-page": ArticlePage,
    "api-article": ArticleView,
    "api-story": StoryView,
}
"""Each route's answer, for `schemas/` (the parsed article route answers `article.schema.json`)."""

"""Lambda handler of the read-only query API (HTTP API, payload 2.0, IAM authorisation). Powertools'
Event Handler validates requests (422 naming the field) and generates `schemas/openapi.json`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from newsingest.adapters.aws import client
from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.parsed import ParsedArticleGone, ParsedArticleReader
from newsingest.api_models import (
    API_PREFIX,
    API_VERSION,
    ArticlePage,
    ArticleView,
    EntityArticlePage,
    EntityMatchPage,
    EntityQuotePage,
    EntityView,
    ErrorBody,
    StoryView,
    Timeline,
)
from newsingest.indexing.queries import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_TIMELINE_POINTS,
    InvalidCursor,
    article_view,
    day_articles,
    entity_articles,
    entity_quotes,
    entity_timeline,
    entity_view,
    search_entities,
    story_view,
)
from newsingest.models import Article, EntityType, Record
from newsingest.observability import logger, tracer
from newsingest.settings import api_settings
from newsingest.singletons import process_singleton

ENTITY_ID_PATTERN = r"^(person|organization|location|group|event|other):[a-z0-9][a-z0-9-]{0,199}$"
ARTICLE_ID_PATTERN = r"^[0-9a-f]{32}$"
DEFAULT_TIMELINE_DAYS = 30
"""A month of days: what a chart of "recently" shows."""
DEFAULT_TIMELINE_WEEKS = 26
"""Half a year of weeks."""
MAX_CURSOR_CHARS = 2048
"""A cursor holds one sort key per shard (~100 chars each), base64-encoded: 2 KB is ample."""

app = APIGatewayHttpResolver(enable_validation=True)

ArticleId = Annotated[str, Path(pattern=ARTICLE_ID_PATTERN)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="From the previous page")]
EntityId = Annotated[str, Path(pattern=ENTITY_ID_PATTERN, description="e.g. person:vladimir-putin")]
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
From = Annotated[str | None, Query(alias="from", pattern=ISO_DATE, description="First day included (UTC), YYYY-MM-DD")]
To = Annotated[str | None, Query(alias="to", pattern=ISO_DATE, description="Last day included (UTC), YYYY-MM-DD")]


def _responses(ok: type[Record], *errors: int) -> dict[int, OpenAPIResponse]:
    """A route's 200 body and its 4xx besides validation's 422 (which Powertools documents)."""
    descriptions = {400: "Invalid cursor or date", 403: "Not signed with SigV4", 404: "Not found"}
    documented: dict[int, OpenAPIResponse] = {
        200: {"description": "OK", "content": {"application/json": {"model": ok}}},
    }
    for status in (*errors, 403):
        documented[status] = {
            "description": descriptions[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
    return documented


@process_singleton
def _index() -> DynamoIndex:
    return DynamoIndex(client("dynamodb"), api_settings().table_name)


@process_singleton
def _parsed_articles() -> ParsedArticleReader:
    return ParsedArticleReader(client("s3"))


def _day(value: str, name: str) -> date:
    """A YYYY-MM-DD that is a real date (the pattern alone lets 2024-02-31 through)."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequestError(f"{name} is not a date: {value}") from exc


def _since(day: str | None) -> str | None:
    return f"{_day(day, 'from').isoformat()}T00:00:00Z" if day else None


def _until(day: str | None) -> str | None:
    return f"{_day(day, 'to').isoformat()}T23:59:59Z" if day else None


@app.exception_handler(BadRequestError)  # type: ignore[untyped-decorator]
def _bad_request(error: BadRequestError) -> Response[dict[str, Any]]:
    return Response(
        status_code=400, content_type="application/json", body=ErrorBody(message=str(error.msg)).model_dump(mode="json")
    )


@app.exception_handler(InvalidCursor)  # type: ignore[untyped-decorator]
def _invalid_cursor(error: InvalidCursor) -> Response[dict[str, Any]]:
    return Response(
        status_code=400, content_type="application/json", body=ErrorBody(message=str(error)).model_dump(mode="json")
    )


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def _invalid_request(error: RequestValidationError) -> Response[dict[str, Any]]:
    """422 with the documented shape (`detail` items with loc, msg, type) and one readable line."""
    detail = [
        {
            "loc": [str(part) for part in item.get("loc", ())],
            "msg": str(item.get("msg") or "invalid value"),
            "type": str(item.get("type") or "value_error"),
        }
        for item in error.errors()
    ]
    summary = "; ".join(f"{' '.join(item['loc'])}: {item['msg']}" for item in detail)
    return Response(
        status_code=422,
        content_type="application/json",
        body={"message": f"invalid request: {summary}", "detail": detail},
    )


@app.not_found
def _not_found(error: NotFoundError) -> Response[dict[str, Any]]:
    """An unknown id says which; an unknown route says where the routes of this version are."""
    path = app.current_event.path
    message = str(error.msg) if error.msg and error.msg != "Not found" else f"no such route: GET {path}"
    if not path.startswith(f"{API_PREFIX}/"):
        message += f" (this is version {API_VERSION} of the API: every route is under {API_PREFIX}/)"
    return Response(
        status_code=404, content_type="application/json", body=ErrorBody(message=message).model_dump(mode="json")
    )


@app.get(
    f"{API_PREFIX}/articles/<article_id>",
    summary="An indexed article with its entities, quotes and sources",
    responses=_responses(ArticleView, 404),
)
def get_article(article_id: ArticleId) -> ArticleView:
    article = article_view(_index(), article_id)
    if article is None:
        raise NotFoundError(f"no article {article_id}")
    return article


@app.get(
    f"{API_PREFIX}/articles/<article_id>/parsed",
    summary="An indexed article's parsed copy: full text, metadata, every entity, quote, date and amount",
    responses=_responses(Article, 404),
)
def get_parsed_article(article_id: ArticleId) -> Article:
    """The line the index points at, read for the caller: they need neither S3 access nor ranged GETs."""
    stored = _index().get_article_with_sources(article_id)
    if stored is None:
        raise NotFoundError(f"no article {article_id}")
    try:
        return _parsed_articles().read(stored.article.parsed_uri, stored.article.parsed_range)
    except ParsedArticleGone as gone:
        # AccessDenied is how S3 says "no such key" to this role (no s3:ListBucket): logged, should
        # a policy change ever make it mean what it says.
        logger.warning("parsed copy gone", extra={"article_id": article_id, "uri": gone.uri, "s3_code": gone.code})
        raise NotFoundError(
            f"the parsed copy of article {article_id} has expired or is missing: parsed copies are kept "
            "ParsedArticleRetentionDays days; re-upload the original to parse it again"
        ) from gone


@app.get(
    f"{API_PREFIX}/stories/<story_id>",
    summary="A story: the near-duplicate copies of one article, their sources and when they were published",
    responses=_responses(StoryView, 404),
)
def get_story(story_id: Annotated[str, Path(pattern=ARTICLE_ID_PATTERN)]) -> StoryView:
    story = story_view(_index(), story_id)
    if story is None:
        raise NotFoundError(f"no story {story_id}")
    return story


@app.get(
    f"{API_PREFIX}/articles",
    summary="Articles published on a day (UTC), newest first",
    responses=_responses(ArticlePage, 400),
)
def list_articles(
    day: Annotated[str, Query(pattern=ISO_DATE, description="YYYY-MM-DD")],
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> ArticlePage:
    return day_articles(_index(), _day(day, "day"), limit=limit, cursor=cursor)


@app.get(
    f"{API_PREFIX}/entities",
    summary="Look up entities by any word of any name or alias (autocomplete)",
    description="Matches the start of any word of an entity's canonical name, its alias-table aliases and "
    "the forms articles used for it, several words in order; case, accents and punctuation aside. "
    "Ranked by how many articles mention the entity, then by name; one row per entity.",
    responses=_responses(EntityMatchPage, 400),
)
def search(
    q: Annotated[str, Query(min_length=1, max_length=200, description="What was typed, e.g. putin or vladimir pu")],
    type: Annotated[EntityType | None, Query(description="Only this type")] = None,
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> EntityMatchPage:
    return search_entities(_index(), q, entity_type=type, limit=limit, cursor=cursor)


@app.get(
    f"{API_PREFIX}/entities/<entity_id>",
    summary="An entity's totals and the entities most often seen with it",
    responses=_responses(EntityView, 400, 404),
)
def get_entity(entity_id: EntityId, from_: From = None, to: To = None) -> EntityView:
    view = entity_view(_index(), entity_id, since=_since(from_), until=_until(to))
    if view is None:
        raise NotFoundError(f"no entity {entity_id}")
    return view


@app.get(
    f"{API_PREFIX}/entities/<entity_id>/timeline",
    summary="Articles mentioning an entity per day or week, zero-filled, for charts",
    responses=_responses(Timeline, 400, 404),
)
def get_timeline(
    entity_id: EntityId,
    from_: From = None,
    to: To = None,
    interval: Annotated[Literal["day", "week"], Query(description="day (default) or week (from Monday)")] = "day",
) -> Timeline:
    """Without `to`, the range ends on the day of the entity's newest article; without `from`, it
    covers DEFAULT_TIMELINE_DAYS days or DEFAULT_TIMELINE_WEEKS weeks."""
    index = _index()
    if to is None:
        totals = index.entity_totals(entity_id)
        if totals.article_count == 0 or totals.last_seen is None:
            raise NotFoundError(f"no entity {entity_id}")
        end = date.fromisoformat(totals.last_seen[:10])
    else:
        end = _day(to, "to")
    span = (
        timedelta(days=DEFAULT_TIMELINE_DAYS - 1) if interval == "day" else timedelta(weeks=DEFAULT_TIMELINE_WEEKS - 1)
    )
    start = _day(from_, "from") if from_ else end - span
    if start > end:
        raise BadRequestError(f"from ({start}) is after to ({end})")
    days = (end - start).days + 1
    points = days if interval == "day" else -(-(days + start.weekday()) // 7)
    if points > MAX_TIMELINE_POINTS:
        raise BadRequestError(f"{points} {interval}s asked for; at most {MAX_TIMELINE_POINTS} per request")
    return entity_timeline(index, entity_id, start=start, end=end, interval=interval)


@app.get(
    f"{API_PREFIX}/entities/<entity_id>/articles",
    summary="Articles mentioning an entity, newest first by default",
    responses=_responses(EntityArticlePage, 400),
)
def list_entity_articles(
    entity_id: EntityId,
    from_: From = None,
    to: To = None,
    order: Annotated[Literal["newest", "oldest"], Query(description="newest first (default) or oldest")] = "newest",
    collapse: Annotated[
        Literal["story"] | None,
        Query(description="story: one row per story (its first copy in this order, with the story's copy count)"),
    ] = None,
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> EntityArticlePage:
    return entity_articles(
        _index(),
        entity_id,
        newest_first=order == "newest",
        since=_since(from_),
        until=_until(to),
        limit=limit,
        cursor=cursor,
        collapse=collapse == "story",
    )


@app.get(
    f"{API_PREFIX}/entities/<entity_id>/quotes",
    summary="What an entity said, newest first",
    responses=_responses(EntityQuotePage, 400),
)
def list_entity_quotes(
    entity_id: EntityId,
    from_: From = None,
    to: To = None,
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> EntityQuotePage:
    return entity_quotes(_index(), entity_id, since=_since(from_), until=_until(to), limit=limit, cursor=cursor)


def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title="newsingest query API",
        version=f"{API_VERSION}.0",
        security_schemes={
            "sigv4": APIKey(
                name="Authorization",
                in_=APIKeyIn.header,
                description="AWS Signature Version 4 (IAM authorisation): sign requests for service execute-api",
            )
        },
        security=[{"sigv4": []}],
        description="Which articles mention an entity, when, alongside whom, what it said; what arrived on a day. "
        f"Version {API_VERSION} of the API: every route is under {API_PREFIX}, and a change that breaks clients "
        "comes under a new prefix. Ids in paths may be percent-encoded. Every request is signed with AWS SigV4 "
        "(IAM authorisation).",
    )


@app.get(f"{API_PREFIX}/openapi.json", summary="This API's OpenAPI document", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=openapi_document())


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The API is read-only: methods other than GET and HEAD get 405."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    if method not in ("GET", "HEAD"):
        return {
            "statusCode": 405,
            "headers": {"Content-Type": "application/json", "Allow": "GET"},
            "body": ErrorBody(message=f"{method} is not allowed: this API is read-only").model_dump_json(),
        }
    return app.resolve(_decoded_path(event), context)


def _decoded_path(event: dict[str, Any]) -> dict[str, Any]:
    """Route on the path with the escapes of id characters decoded, as browsers and HTTP libraries
    encode ids (`person%3Avladimir-putin`); any other escape stays as sent, so the id's pattern
    refuses it (422) rather than it changing the route."""
    raw = event.get("rawPath")
    if not isinstance(raw, str) or "%" not in raw:
        return event
    return {**event, "rawPath": _ESCAPE.sub(_decode_escape, raw)}


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-")
"""What entity and article ids are made of (ENTITY_ID_PATTERN, ARTICLE_ID_PATTERN)."""


def _decode_escape(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _ID_CHARACTERS else match.group(0)

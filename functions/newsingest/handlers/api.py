"""Lambda handler of the read-only query API (HTTP API, payload 2.0, IAM authorisation). Powertools'
Event Handler validates requests (422 naming the field) and generates `schemas/openapi.json`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from newsingest.adapters.aws import client
from newsingest.adapters.dynamodb import DynamoIndex
from newsingest.adapters.parsed import ParsedArticleGone, ParsedArticleReader
from newsingest.indexing.items import EntityProfileItem
from newsingest.indexing.queries import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ArticleDetail,
    ArticlePage,
    EntityDetail,
    InvalidCursor,
    PostingPage,
    QuotePage,
    entity_detail,
)
from newsingest.models import Article, EntityType, Record
from newsingest.observability import logger, tracer
from newsingest.settings import indexer_settings
from newsingest.singletons import process_singleton
from newsingest.version import __version__

ENTITY_ID_PATTERN = r"^(person|organization|location|group|event|other):[a-z0-9][a-z0-9-]{0,199}$"
ARTICLE_ID_PATTERN = r"^[0-9a-f]{32}$"
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


class EntityMatches(Record):
    """Entities whose name starts with the text asked for."""

    items: list[EntityProfileItem]


class ErrorBody(Record):
    """What every 4xx says."""

    message: str
    details: list[Any] = Field(default_factory=list)


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
    return DynamoIndex(client("dynamodb"), indexer_settings().table_name)


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
    return Response(
        status_code=404,
        content_type="application/json",
        body=ErrorBody(message=str(error.msg) if error.msg else "no such resource").model_dump(mode="json"),
    )


@app.get(
    "/articles/<article_id>",
    summary="An indexed article with its entities, quotes and sources",
    responses=_responses(ArticleDetail, 404),
)
def get_article(article_id: ArticleId) -> ArticleDetail:
    article = _index().get_article_detail(article_id)
    if article is None:
        raise NotFoundError(f"no article {article_id}")
    return article


@app.get(
    "/articles/<article_id>/parsed",
    summary="An indexed article's parsed copy: full text, metadata, every entity, quote, date and amount",
    responses=_responses(Article, 404),
)
def get_parsed_article(article_id: ArticleId) -> Article:
    """The line the index points at, read for the caller: they need neither S3 access nor ranged GETs."""
    item = get_article(article_id)
    try:
        return _parsed_articles().read(item.parsed_uri, item.parsed_range)
    except ParsedArticleGone as gone:
        # AccessDenied is how S3 says "no such key" to this role (no s3:ListBucket): logged, should
        # a policy change ever make it mean what it says.
        logger.warning("parsed copy gone", extra={"article_id": article_id, "uri": gone.uri, "s3_code": gone.code})
        raise NotFoundError(
            f"the parsed copy of article {article_id} has expired or is missing: parsed copies are kept "
            "ParsedArticleRetentionDays days; re-upload the original to parse it again"
        ) from gone


@app.get("/articles", summary="Articles published on a day (UTC), newest first", responses=_responses(ArticlePage, 400))
def list_articles(
    day: Annotated[str, Query(pattern=ISO_DATE, description="YYYY-MM-DD")],
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> ArticlePage:
    return _index().query_day(_day(day, "day"), limit=limit, cursor=cursor)


@app.get(
    "/entities",
    summary="Entities whose canonical name starts with q (autocomplete)",
    responses=_responses(EntityMatches),
)
def search_entities(
    q: Annotated[str, Query(min_length=1, max_length=200, description="Name prefix, any case or accents")],
    type: Annotated[EntityType | None, Query(description="Only this type")] = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> EntityMatches:
    found = _index().search_entities(q, entity_type=str(type) if type else None, limit=limit)
    return EntityMatches(items=found)


@app.get(
    "/entities/<entity_id>",
    summary="An entity's totals and the entities most often seen with it",
    responses=_responses(EntityDetail, 400, 404),
)
def get_entity(entity_id: EntityId, from_: From = None, to: To = None) -> EntityDetail:
    detail = entity_detail(_index(), entity_id, since=_since(from_), until=_until(to))
    if detail is None:
        raise NotFoundError(f"no entity {entity_id}")
    return detail


@app.get(
    "/entities/<entity_id>/articles",
    summary="Articles mentioning an entity, newest first by default",
    responses=_responses(PostingPage, 400),
)
def entity_articles(
    entity_id: EntityId,
    from_: From = None,
    to: To = None,
    order: Annotated[Literal["newest", "oldest"], Query(description="newest first (default) or oldest")] = "newest",
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> PostingPage:
    return _index().query_postings(
        entity_id,
        newest_first=order == "newest",
        since=_since(from_),
        until=_until(to),
        limit=limit,
        cursor=cursor,
    )


@app.get(
    "/entities/<entity_id>/quotes", summary="What an entity said, newest first", responses=_responses(QuotePage, 400)
)
def entity_quotes(
    entity_id: EntityId,
    from_: From = None,
    to: To = None,
    cursor: Cursor = None,
    limit: PageSize = DEFAULT_PAGE_SIZE,
) -> QuotePage:
    return _index().query_quotes(entity_id, since=_since(from_), until=_until(to), limit=limit, cursor=cursor)


def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title="newsingest query API",
        version=__version__,
        security_schemes={
            "sigv4": APIKey(
                name="Authorization",
                in_=APIKeyIn.header,
                description="AWS Signature Version 4 (IAM authorisation): sign requests for service execute-api",
            )
        },
        security=[{"sigv4": []}],
        description="Which articles mention an entity, when, alongside whom, what it said; what arrived on a day. "
        "Every request is signed with AWS SigV4 (IAM authorisation).",
    )


@app.get("/openapi.json", summary="This API's OpenAPI document", include_in_schema=False)
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
    return app.resolve(event, context)

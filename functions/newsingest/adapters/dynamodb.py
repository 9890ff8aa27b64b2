"""The index in DynamoDB: implements IndexStore and IndexReader over one table.

Counters stay exact under retries and duplicates because each posting and its entity's counter
change in one transaction that is conditioned on the posting (not) existing: a replayed event
finds its postings and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from newsingest.indexing.items import (
    ARTICLE_SK,
    POSTING_SK_PREFIX,
    REJECTED_SK,
    SOURCE_SK,
    STATS_SK,
    ArticleItem,
    EntityStatsItem,
    PostingItem,
    RejectionItem,
    SourceItem,
    article_pk,
    day_pk,
    entity_pk,
    rejected_day_pk,
    source_pk,
)
from newsingest.indexing.queries import (
    DEFAULT_PAGE_SIZE,
    ArticlePage,
    PostingPage,
    decode_cursor,
    encode_cursor,
)

ENTITIES_PER_TRANSACTION = 50
"""TransactWriteItems takes at most 100 items and each entity writes two (posting + counter)."""

GSI1 = "gsi1"
SORT_KEY_MAX = "~"
"""Sorts after every character used in our sort keys (digits, letters, '#', ':', '-')."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

T = TypeVar("T")


def _to_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB numbers must be Decimals: round-trip through JSON to convert floats exactly."""
    decimals = json.loads(json.dumps(item), parse_float=Decimal)
    return {name: _serializer.serialize(value) for name, value in decimals.items()}


def _from_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    plain = {name: _deserializer.deserialize(value) for name, value in item.items()}
    converted: dict[str, Any] = json.loads(json.dumps(plain, default=_json_default))
    return converted


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _is_error(exc: ClientError, code: str) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == code)


class DynamoIndex:
    """IndexStore and IndexReader on one DynamoDB table (keys `pk`/`sk`, GSI `gsi1`)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # -- writes -----------------------------------------------------------------------------

    def add_postings(self, postings: list[PostingItem], article: ArticleItem) -> int:
        by_entity = {entity.id: entity for entity in article.entities}
        added = 0
        for chunk in _chunks(postings, ENTITIES_PER_TRANSACTION):
            added += self._transact_postings(
                list(chunk),
                lambda posting: [
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": _to_attribute_values(posting.to_item()),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    self._counter_update(posting, by_entity[posting.entity_id].name, +1),
                ],
            )
        return added

    def remove_postings(self, postings: list[PostingItem], article: ArticleItem) -> int:
        by_entity = {entity.id: entity for entity in article.entities}
        removed = 0
        for chunk in _chunks(postings, ENTITIES_PER_TRANSACTION):
            removed += self._transact_postings(
                list(chunk),
                lambda posting: [
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": _key(posting.pk, posting.sk),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    self._counter_update(posting, by_entity[posting.entity_id].name, -1),
                ],
            )
        return removed

    def _counter_update(self, posting: PostingItem, name: str, sign: int) -> dict[str, Any]:
        entity_type = posting.entity_id.split(":", 1)[0]
        return {
            "Update": {
                "TableName": self._table,
                "Key": _key(entity_pk(posting.entity_id), STATS_SK),
                "UpdateExpression": (
                    "SET #kind = :kind, entity_id = :entity_id, #name = if_not_exists(#name, :name), "
                    "#type = if_not_exists(#type, :type) "
                    "ADD article_count :articles, mention_count :mentions"
                ),
                "ExpressionAttributeNames": {"#kind": "kind", "#name": "name", "#type": "type"},
                "ExpressionAttributeValues": {
                    ":kind": {"S": "entity"},
                    ":entity_id": {"S": posting.entity_id},
                    ":name": {"S": name},
                    ":type": {"S": entity_type},
                    ":articles": {"N": str(sign)},
                    ":mentions": {"N": str(sign * posting.mention_count)},
                },
            }
        }

    def _transact_postings(self, postings: list[PostingItem], actions_for: Any) -> int:
        """Run one transaction; when some postings' conditions fail (already there / already
        gone), run it again without them. Returns how many postings changed."""
        pending = postings
        while pending:
            actions = [action for posting in pending for action in actions_for(posting)]
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as exc:
                if not _is_error(exc, "TransactionCanceledException"):
                    raise
                reasons = exc.response.get("CancellationReasons", [])
                failed = {
                    index // 2 for index, reason in enumerate(reasons) if reason.get("Code") == "ConditionalCheckFailed"
                }
                if not failed:
                    raise  # conflicts and throttling: let the queue retry the whole event
                pending = [posting for index, posting in enumerate(pending) if index not in failed]
                continue
            return len(pending)
        return 0

    def put_article(self, article: ArticleItem, source_id: str) -> None:
        item = _to_attribute_values(article.to_item())
        names: dict[str, str] = {}
        values: dict[str, Any] = {":source": {"SS": [source_id]}}
        assignments = []
        for index, (name, value) in enumerate(item.items()):
            if name in ("pk", "sk"):
                continue
            names[f"#a{index}"] = name
            values[f":v{index}"] = value
            assignments.append(f"#a{index} = if_not_exists(#a{index}, :v{index})")
        self._client.update_item(
            TableName=self._table,
            Key=_key(article.pk, article.sk),
            UpdateExpression=f"SET {', '.join(assignments)} ADD sources :source",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def remove_article_source(self, article_id: str, source_id: str) -> set[str]:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(article_pk(article_id), ARTICLE_SK),
                UpdateExpression="DELETE sources :source",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":source": {"SS": [source_id]}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _is_error(exc, "ConditionalCheckFailedException"):
                return set()
            raise
        return set(response.get("Attributes", {}).get("sources", {}).get("SS", []))

    def delete_article(self, article_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(article_pk(article_id), ARTICLE_SK))

    def put_source(self, item: SourceItem) -> None:
        self._client.put_item(TableName=self._table, Item=_to_attribute_values(item.to_item()))

    def delete_source(self, bucket: str | None, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(source_pk(bucket, key), SOURCE_SK))

    def put_rejection(self, item: RejectionItem) -> None:
        self._client.put_item(TableName=self._table, Item=_to_attribute_values(item.to_item()))

    def delete_rejection(self, bucket: str | None, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(source_pk(bucket, key), REJECTED_SK))

    # -- reads ------------------------------------------------------------------------------

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=_key(pk, sk))
        item = response.get("Item")
        return _from_attribute_values(item) if item else None

    def get_source(self, bucket: str | None, key: str) -> SourceItem | None:
        item = self._get(source_pk(bucket, key), SOURCE_SK)
        return SourceItem.model_validate(item) if item else None

    def get_article(self, article_id: str) -> ArticleItem | None:
        item = self._get(article_pk(article_id), ARTICLE_SK)
        if item is None:
            return None
        item.pop("sources", None)
        return ArticleItem.model_validate(item)

    def get_article_sources(self, article_id: str) -> list[str]:
        item = self._get(article_pk(article_id), ARTICLE_SK)
        return list(item.get("sources", [])) if item else []

    def get_rejection(self, bucket: str | None, key: str) -> RejectionItem | None:
        item = self._get(source_pk(bucket, key), REJECTED_SK)
        return RejectionItem.model_validate(item) if item else None

    def get_entity_stats(self, entity_id: str) -> EntityStatsItem | None:
        item = self._get(entity_pk(entity_id), STATS_SK)
        return EntityStatsItem.model_validate(item) if item else None

    def query_postings(
        self,
        entity_id: str,
        *,
        newest_first: bool = True,
        since: str | None = None,
        until: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> PostingPage:
        low = f"{POSTING_SK_PREFIX}{since or ''}"
        high = f"{POSTING_SK_PREFIX}{until or ''}{SORT_KEY_MAX}"
        items, next_key = self._query(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": entity_pk(entity_id)},
                ":low": {"S": low},
                ":high": {"S": high},
            },
            ScanIndexForward=not newest_first,
            Limit=limit,
            cursor=cursor,
        )
        return PostingPage(items=[PostingItem.model_validate(item) for item in items], cursor=next_key)

    def query_day(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> ArticlePage:
        items, next_key = self._query(
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": day_pk(day.isoformat())}},
            ScanIndexForward=False,
            Limit=limit,
            cursor=cursor,
        )
        for item in items:
            item.pop("sources", None)
        return ArticlePage(items=[ArticleItem.model_validate(item) for item in items], cursor=next_key)

    def query_rejections(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE) -> list[RejectionItem]:
        items, _ = self._query(
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": rejected_day_pk(day.isoformat())}},
            ScanIndexForward=False,
            Limit=limit,
            cursor=None,
        )
        return [RejectionItem.model_validate(item) for item in items]

    def _query(self, *, cursor: str | None, **kwargs: Any) -> tuple[list[dict[str, Any]], str | None]:
        start = decode_cursor(cursor)
        if start is not None:
            kwargs["ExclusiveStartKey"] = _to_attribute_values(start)
        response = self._client.query(TableName=self._table, **kwargs)
        items = [_from_attribute_values(item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return items, encode_cursor(_from_attribute_values(last) if last else None)

"""IndexStore and IndexReader on one DynamoDB table: idempotent puts and deletes, 25 to a batch,
no counters (totals are counted from postings), and reads that query every shard and merge.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from newsingest.adapters.aws import error_code
from newsingest.errors import ConcurrentChange
from newsingest.events import EntitySummary
from newsingest.indexing.items import (
    ARTICLE_SK,
    MEMBER_SK_PREFIX,
    NAME_SK_PREFIX,
    POSTING_SHARDS,
    POSTING_SK_PREFIX,
    PROFILE_SK,
    QUOTE_SK_PREFIX,
    RECORD_SK_PREFIX,
    REJECTED_SK,
    SOURCE_SK,
    ArticleItem,
    ArticleSummaryItem,
    BandItem,
    EntityProfileItem,
    NameItem,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    StoryMemberItem,
    article_pk,
    day_pk,
    entity_pk,
    entity_shard_pk,
    member_sk,
    name_pk,
    names_for,
    rejected_day_pk,
    source_pk,
    story_pk,
)
from newsingest.indexing.queries import (
    DEFAULT_PAGE_SIZE,
    DayPage,
    EntityTotals,
    InvalidCursor,
    PostingPage,
    QuotePage,
    StoredArticle,
    decode_cursor,
    encode_cursor,
)

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
KEY_CACHE_SIZE = 200_000
"""Profile and name keys this process wrote or found (~25 MB at ~4 per entity): they never change,
so a warm indexer skips them."""

COUNT_THREADS = 8
"""Entities counted at once for a look-up: 32 Queries in flight, far below any connection limit."""

GSI1 = "gsi1"
_GSI1_KEYS = {"pk", "sk", "gsi1pk", "gsi1sk"}
SORT_KEY_MAX = "~"
"""Sorts after every character used in our sort keys (digits, letters, '#', ':', '-')."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

T = TypeVar("T")


def _to_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB numbers must be Decimals: round-trip through JSON to convert floats exactly."""
    decimals = json.loads(json.dumps(item), parse_float=Decimal)
    return {name: _serializer.serialize(value) for name, value in decimals.items()}


def from_attribute_values(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain JSON values (numbers as int or float, sets as sorted lists)."""
    plain = {name: _deserializer.deserialize(value) for name, value in item.items()}
    converted: dict[str, Any] = json.loads(json.dumps(plain, default=_json_default))
    return converted


_from_attribute_values = from_attribute_values


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _article_update(
    article: ArticleItem, source: str, *, keep_first: bool
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any], list[str]]:
    """The article item's attributes as SET assignments (`source` added to its sources): with
    `keep_first`, only LATEST_ARTICLE_ATTRIBUTES overwrite what an earlier write put there."""
    item = _to_attribute_values(article.to_item())
    names: dict[str, str] = {}
    values: dict[str, Any] = {":source": {"SS": [source]}}
    assignments = []
    for index, (name, value) in enumerate(item.items()):
        if name in ("pk", "sk"):
            continue
        names[f"#a{index}"] = name
        values[f":v{index}"] = value
        if keep_first and name not in LATEST_ARTICLE_ATTRIBUTES:
            assignments.append(f"#a{index} = if_not_exists(#a{index}, :v{index})")
        else:
            assignments.append(f"#a{index} = :v{index}")
    return item, names, values, assignments


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


REINDEX_GUARD_ATTRIBUTES = ("extractor_version", "entity_model", "alias_table_version", "processed_at")
"""What a re-index checks is unchanged since it read the article item: what made it, and when."""

LATEST_ARTICLE_ATTRIBUTES = frozenset({"parsed_uri", "parsed_range"})
"""What an article item takes from the newest upload of its text (whose copy the retention rule keeps
longest); the rest stays as first indexed, since its postings are keyed by it."""


class DynamoIndex:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._keys_written: set[tuple[str, str]] = set()

    # -- writes -----------------------------------------------------------------------------

    def put_postings(self, postings: list[PostingItem]) -> None:
        self._batch_write([{"PutRequest": {"Item": _to_attribute_values(posting.to_item())}} for posting in postings])

    def delete_postings(self, postings: list[PostingItem]) -> None:
        self._batch_write([{"DeleteRequest": {"Key": _key(posting.pk, posting.sk)}} for posting in postings])

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem in chunks of 25, resubmitting what DynamoDB left unprocessed."""
        for chunk in _chunks(requests, BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {self._table: list(chunk)}
            while pending:
                response = self._client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}

    def put_quotes(self, quotes: list[QuoteItem]) -> None:
        self._batch_write([{"PutRequest": {"Item": _to_attribute_values(quote.to_item())}} for quote in quotes])

    def delete_quotes(self, keys: list[tuple[str, str]]) -> None:
        self._batch_write([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])

    def put_profiles(self, entities: list[EntitySummary], made_by: str | None = None) -> None:
        """Profiles and name keys new to the index: a read costs a tenth of a blind write, and a key
        this process wrote is not read again (so an alias costs writes once, not per article)."""
        wanted: dict[tuple[str, str], EntityProfileItem | NameItem] = {}
        for entity in entities:
            items: list[EntityProfileItem | NameItem] = [
                EntityProfileItem.of(entity, made_by),
                *names_for(entity, made_by),
            ]
            for item in items:
                if (item.pk, item.sk) not in self._keys_written:
                    wanted.setdefault((item.pk, item.sk), item)
        if not wanted:
            return
        # Consistent: an entity dropped a moment ago (its last article removed) must read as absent.
        present = {
            (item["pk"], item["sk"]) for item in self._batch_get(list(wanted), projection="pk, sk", consistent=True)
        }
        self._batch_write(
            [
                {"PutRequest": {"Item": _to_attribute_values(item.to_item())}}
                for key, item in wanted.items()
                if key not in present
            ]
        )
        if len(self._keys_written) + len(wanted) > KEY_CACHE_SIZE:
            self._keys_written.clear()
        self._keys_written.update(wanted)

    def put_article(self, article: ArticleItem, source: str) -> None:
        _, names, values, assignments = _article_update(article, source, keep_first=True)
        self._client.update_item(
            TableName=self._table,
            Key=_key(article.pk, article.sk),
            UpdateExpression=f"SET {', '.join(assignments)} ADD sources :source",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def replace_article(self, article: ArticleItem, source: str, *, previous: ArticleItem) -> None:
        """Every attribute from `article` (those it lacks removed), its sources kept and `source` added,
        on condition that the versions and `processed_at` are still `previous`'s."""
        item, names, values, assignments = _article_update(article, source, keep_first=False)
        removed = [name for name in ArticleItem.model_fields if name not in item]
        names.update({f"#r{index}": name for index, name in enumerate(removed)})
        conditions = []
        for index, name in enumerate(REINDEX_GUARD_ATTRIBUTES):
            names[f"#g{index}"] = name
            expected = getattr(previous, name)
            if expected is None:
                conditions.append(f"attribute_not_exists(#g{index})")
            else:
                values[f":g{index}"] = {"S": str(expected)}
                conditions.append(f"#g{index} = :g{index}")
        removal = f" REMOVE {', '.join(f'#r{index}' for index in range(len(removed)))}" if removed else ""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_key(article.pk, article.sk),
                UpdateExpression=f"SET {', '.join(assignments)}{removal} ADD sources :source",
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ConcurrentChange(f"article {article.article_id} was re-indexed by another event") from exc
            raise

    def drop_unused_entities(self, entity_ids: list[str]) -> list[str]:
        """Each entity with no posting or quote left (`_in_use`) loses its profile and name keys, all
        deleted in shared batches. They are read before they are deleted and put back should a posting
        appear meanwhile (another indexer filing an article under it), and this process forgets it
        wrote them, so it writes them again for the next article that names it."""
        unused = [entity_id for entity_id, used in zip(entity_ids, self._in_use(entity_ids), strict=True) if not used]
        held = {entity_id: items for entity_id in unused if (items := self._entity_items(entity_id))}
        keys = [(item["pk"], item["sk"]) for items in held.values() for item in items]
        # Forgotten before they are deleted: a delete that fails after some batches, or whose
        # response is lost, must not leave this process skipping keys it believes written.
        self._keys_written.difference_update(keys)
        self._batch_write([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])
        candidates = list(held)
        taken_back = {entity_id for entity_id, used in zip(candidates, self._in_use(candidates), strict=True) if used}
        self._batch_write(
            [
                {"PutRequest": {"Item": _to_attribute_values(item)}}
                for entity_id in candidates
                if entity_id in taken_back
                for item in held[entity_id]
            ]
        )
        return [entity_id for entity_id in candidates if entity_id not in taken_back]

    def _entity_items(self, entity_id: str) -> list[dict[str, Any]]:
        """The entity's profile and name keys (a consistent read)."""
        return list(
            self._query_all(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": entity_pk(entity_id)}},
                ConsistentRead=True,
            )
        )

    def entity_names(self, entity_id: str) -> list[NameItem]:
        items = self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": entity_pk(entity_id)}, ":prefix": {"S": NAME_SK_PREFIX}},
            ConsistentRead=True,
        )
        return [NameItem.model_validate(item) for item in items]

    def delete_names(self, items: list[NameItem]) -> None:
        keys = [(item.pk, item.sk) for item in items]
        self._keys_written.difference_update(keys)  # first, as in drop_unused_entities
        self._batch_write([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])

    def _in_use(self, entity_ids: list[str]) -> list[bool]:
        """Whether any posting or quote is filed under each entity: a consistent one-item read of its
        shards in turn, stopping at the first that holds one, a few entities at once."""

        def any_item(entity_id: str) -> bool:
            for shard in range(POSTING_SHARDS):
                response = self._client.query(
                    TableName=self._table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": entity_shard_pk(entity_id, shard)}},
                    ConsistentRead=True,
                    Select="COUNT",
                    Limit=1,
                )
                if int(response.get("Count", 0)) > 0:
                    return True
            return False

        if not entity_ids:
            return []
        with ThreadPoolExecutor(max_workers=COUNT_THREADS) as pool:
            return list(pool.map(any_item, entity_ids))

    def remove_article_source(self, article_id: str, source: str) -> set[str]:
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=_key(article_pk(article_id), ARTICLE_SK),
                UpdateExpression="DELETE sources :source",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":source": {"SS": [source]}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return set()
            raise
        return set(response.get("Attributes", {}).get("sources", {}).get("SS", []))

    def delete_article(self, article_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(article_pk(article_id), ARTICLE_SK))

    def put_source(self, item: SourceItem) -> None:
        self._client.put_item(TableName=self._table, Item=_to_attribute_values(item.to_item()))

    def put_record(self, item: RecordItem) -> None:
        self._client.put_item(TableName=self._table, Item=_to_attribute_values(item.to_item()))

    def delete_record(self, item: RecordItem) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(item.pk, item.sk))

    def put_rejection(self, item: RejectionItem) -> None:
        self._client.put_item(TableName=self._table, Item=_to_attribute_values(item.to_item()))

    def delete_rejection(self, bucket: str | None, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(source_pk(bucket, key), REJECTED_SK))

    def put_bands(self, items: list[BandItem]) -> None:
        self._batch_write([{"PutRequest": {"Item": _to_attribute_values(item.to_item())}} for item in items])

    def delete_bands(self, keys: list[tuple[str, str]]) -> None:
        self._batch_write([{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in keys])

    def band_items(self, pks: list[str]) -> list[BandItem]:
        """One consistent Query per band value, the bands at once: a value unrelated articles share
        is rare (5-word shingles), so each answers a few small items."""

        def query(pk: str) -> list[BandItem]:
            return [
                BandItem.model_validate(item)
                for item in self._query_all(
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": pk}},
                    ConsistentRead=True,
                )
            ]

        with ThreadPoolExecutor(max_workers=max(1, len(pks))) as pool:
            return [item for items in pool.map(query, pks) for item in items]

    def story_members(self, story_id: str) -> list[StoryMemberItem]:
        return [
            StoryMemberItem.model_validate(item)
            for item in self._query_all(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": story_pk(story_id)}},
                ConsistentRead=True,
            )
        ]

    def put_story_members(self, items: list[StoryMemberItem]) -> None:
        self._batch_write([{"PutRequest": {"Item": _to_attribute_values(item.to_item())}} for item in items])

    def delete_story_member(self, story_id: str, article_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key=_key(story_pk(story_id), member_sk(article_id)))

    # -- reads ------------------------------------------------------------------------------

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._client.get_item(TableName=self._table, Key=_key(pk, sk))
        item = response.get("Item")
        return _from_attribute_values(item) if item else None

    def _batch_get(
        self, keys: list[tuple[str, str]], *, projection: str | None = None, consistent: bool = False
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(keys))
        for chunk in _chunks(unique, BATCH_GET_LIMIT):
            request: dict[str, Any] = {"Keys": [_key(pk, sk) for pk, sk in chunk]}
            if projection:
                request["ProjectionExpression"] = projection
            if consistent:
                request["ConsistentRead"] = True
            pending: dict[str, Any] = {self._table: request}
            while pending:
                response = self._client.batch_get_item(RequestItems=pending)
                found.extend(_from_attribute_values(item) for item in response["Responses"].get(self._table, []))
                pending = response.get("UnprocessedKeys") or {}
        return found

    def get_object(self, bucket: str | None, key: str) -> ObjectState:
        source: SourceItem | None = None
        records: list[RecordItem] = []
        rejected = False
        for item in self._query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": source_pk(bucket, key)}},
            ConsistentRead=True,
        ):
            if item["sk"] == SOURCE_SK:
                source = SourceItem.model_validate(item)
            elif item["sk"] == REJECTED_SK:
                rejected = True
            elif item["sk"].startswith(RECORD_SK_PREFIX):
                records.append(RecordItem.model_validate(item))
        return ObjectState(source=source, records=records, rejected=rejected)

    def _query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item a Query matches, following LastEvaluatedKey."""
        while True:
            response = self._client.query(TableName=self._table, **kwargs)
            yield from (_from_attribute_values(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def scan_items(self) -> Iterator[dict[str, Any]]:
        """Every item of the table, read consistently (an audit's full read, not a query path)."""
        kwargs: dict[str, Any] = {}
        while True:
            response = self._client.scan(TableName=self._table, ConsistentRead=True, **kwargs)
            yield from (_from_attribute_values(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def get_source(self, bucket: str | None, key: str) -> SourceItem | None:
        item = self._get(source_pk(bucket, key), SOURCE_SK)
        return SourceItem.model_validate(item) if item else None

    def get_records(self, bucket: str | None, key: str) -> list[RecordItem]:
        """Every article of the object: its RECORD# items, or the one its source item names."""
        return self.get_object(bucket, key).all_records()

    def get_article(self, article_id: str) -> ArticleItem | None:
        item = self._get(article_pk(article_id), ARTICLE_SK)
        if item is None:
            return None
        item.pop("sources", None)
        return ArticleItem.model_validate(item)

    def get_article_with_sources(self, article_id: str) -> StoredArticle | None:
        item = self._get(article_pk(article_id), ARTICLE_SK)
        if item is None:
            return None
        sources = sorted(item.pop("sources", []))
        return StoredArticle(article=ArticleItem.model_validate(item), sources=sources)

    def get_articles_with_sources(self, article_ids: list[str]) -> list[StoredArticle]:
        """Article items in BatchGetItems of 100 (those that exist), in no particular order."""
        found = []
        for item in self._batch_get([(article_pk(article_id), ARTICLE_SK) for article_id in article_ids]):
            sources = sorted(item.pop("sources", []))
            found.append(StoredArticle(article=ArticleItem.model_validate(item), sources=sources))
        return found

    def story_sizes(self, story_ids: list[str]) -> dict[str, int]:
        """COUNT Queries of each story's member items, a few at once, plus one for the article that
        started it while it is indexed (one BatchGetItem of their ids, projected)."""

        def members(story_id: str) -> int:
            return self._count(story_pk(story_id), MEMBER_SK_PREFIX, cap=1_000_000)

        with ThreadPoolExecutor(max_workers=COUNT_THREADS) as pool:
            counts = dict(zip(story_ids, pool.map(members, story_ids), strict=True))
        founders = self._batch_get(
            [(article_pk(story_id), ARTICLE_SK) for story_id in story_ids],
            projection="article_id, story_id",
        )
        for item in founders:
            if item.get("story_id", item["article_id"]) == item["article_id"] and item["article_id"] in counts:
                counts[item["article_id"]] += 1
        return counts

    def get_article_sources(self, article_id: str) -> list[str]:
        item = self._get(article_pk(article_id), ARTICLE_SK)
        return list(item.get("sources", [])) if item else []

    def get_rejection(self, bucket: str | None, key: str) -> RejectionItem | None:
        item = self._get(source_pk(bucket, key), REJECTED_SK)
        return RejectionItem.model_validate(item) if item else None

    def get_profiles(self, entity_ids: list[str]) -> dict[str, EntityProfileItem]:
        items = self._batch_get([(entity_pk(entity_id), PROFILE_SK) for entity_id in entity_ids])
        profiles = [EntityProfileItem.model_validate(item) for item in items]
        return {profile.entity_id: profile for profile in profiles}

    def entity_totals(self, entity_id: str) -> EntityTotals:
        """Counted from every shard's postings: 0.5 read units per ~16 postings (docs/design.md#index);
        stories are the distinct `story_id`s (an article indexed before stories is one of its own)."""
        articles = mentions = 0
        stories: set[str] = set()
        first: str | None = None
        last: str | None = None
        for shard in range(POSTING_SHARDS):
            for item in self._query_all(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={
                    ":pk": {"S": entity_shard_pk(entity_id, shard)},
                    ":prefix": {"S": POSTING_SK_PREFIX},
                },
                ProjectionExpression="sort_time, mention_count, story_id, article_id",
            ):
                articles += 1
                stories.add(str(item.get("story_id") or item["article_id"]))
                mentions += int(item["mention_count"])
                moment = str(item["sort_time"])
                first = moment if first is None or moment < first else first
                last = moment if last is None or moment > last else last
        return EntityTotals(
            article_count=articles, story_count=len(stories), mention_count=mentions, first_seen=first, last_seen=last
        )

    def find_names(self, key_prefix: str, *, known: bool, limit: int) -> list[NameItem]:
        """One Query page of the name index: keys starting with `key_prefix`, in key order. Profiles
        written before NameItems share the index and are skipped."""
        response = self._client.query(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": name_pk(key_prefix, known=known)},
                ":prefix": {"S": key_prefix},
            },
            Limit=limit,
        )
        items = (_from_attribute_values(item) for item in response.get("Items", []))
        return [NameItem.model_validate(item) for item in items if item.get("kind") == "name"]

    def count_articles(self, entity_ids: list[str], *, cap: int) -> dict[str, int]:
        """COUNT Queries on each entity's shards, at most `cap` postings each, a few entities at once."""
        per_shard = -(-cap // POSTING_SHARDS)

        def count(entity_id: str) -> int:
            return sum(
                self._count(entity_shard_pk(entity_id, shard), POSTING_SK_PREFIX, per_shard)
                for shard in range(POSTING_SHARDS)
            )

        with ThreadPoolExecutor(max_workers=COUNT_THREADS) as pool:
            return dict(zip(entity_ids, pool.map(count, entity_ids), strict=True))

    def _count(self, pk: str, sk_prefix: str, cap: int) -> int:
        counted = 0
        kwargs: dict[str, Any] = {}
        while counted < cap:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
                Select="COUNT",
                Limit=cap - counted,
                **kwargs,
            )
            counted += int(response.get("Count", 0))
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return counted

    def posting_times(self, entity_id: str, *, since: str, until: str) -> list[str]:
        """Every shard's postings in the range, their sort times only, the shards at once."""

        def shard_times(shard: int) -> list[str]:
            return [
                str(item["sort_time"])
                for item in self._query_all(
                    KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
                    ExpressionAttributeValues={
                        ":pk": {"S": entity_shard_pk(entity_id, shard)},
                        ":low": {"S": f"{POSTING_SK_PREFIX}{since}"},
                        ":high": {"S": f"{POSTING_SK_PREFIX}{until}{SORT_KEY_MAX}"},
                    },
                    ProjectionExpression="sort_time",
                )
            ]

        with ThreadPoolExecutor(max_workers=POSTING_SHARDS) as pool:
            return [moment for times in pool.map(shard_times, range(POSTING_SHARDS)) for moment in times]

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
        items, next_cursor = self._merged_query(
            entity_id,
            POSTING_SK_PREFIX,
            newest_first=newest_first,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
        )
        return PostingPage(items=[PostingItem.model_validate(item) for item in items], cursor=next_cursor)

    def query_quotes(
        self,
        entity_id: str,
        *,
        since: str | None = None,
        until: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> QuotePage:
        items, next_cursor = self._merged_query(
            entity_id, QUOTE_SK_PREFIX, newest_first=True, since=since, until=until, limit=limit, cursor=cursor
        )
        return QuotePage(items=[QuoteItem.model_validate(item) for item in items], cursor=next_cursor)

    def _merged_query(
        self,
        entity_id: str,
        sk_prefix: str,
        *,
        newest_first: bool,
        since: str | None,
        until: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page across the entity's shards: query each (from where the cursor left it),
        merge by sort key, keep `limit`. The cursor records, per shard, the last key returned
        (or that the shard is exhausted), so pages never repeat or skip an item."""
        state = decode_cursor(cursor) or {}
        shards: dict[str, Any] = state.get("shards", {str(shard): "" for shard in range(POSTING_SHARDS)})
        if not isinstance(shards, dict) or not set(shards) <= {str(s) for s in range(POSTING_SHARDS)}:
            raise InvalidCursor("cursor is not one this API issued")
        low = f"{sk_prefix}{since or ''}"
        high = f"{sk_prefix}{until or ''}{SORT_KEY_MAX}"
        candidates: list[tuple[str, str, dict[str, Any]]] = []
        more: dict[str, bool] = {}
        for shard, last_sk in shards.items():
            if last_sk is None:
                continue  # exhausted
            pk = entity_shard_pk(entity_id, int(shard))
            kwargs: dict[str, Any] = {}
            if last_sk:
                kwargs["ExclusiveStartKey"] = _key(pk, str(last_sk))
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
                ExpressionAttributeValues={":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
                ScanIndexForward=not newest_first,
                Limit=limit,
                **kwargs,
            )
            for raw in response.get("Items", []):
                item = _from_attribute_values(raw)
                candidates.append((item["sk"], shard, item))
            more[shard] = "LastEvaluatedKey" in response
        candidates.sort(key=lambda candidate: candidate[0], reverse=newest_first)
        page = candidates[:limit]
        taken = {shard: sk for sk, shard, _ in page}  # the last taken per shard (in page order)
        next_shards: dict[str, Any] = {}
        for shard, last_sk in shards.items():
            if last_sk is None:
                next_shards[shard] = None
                continue
            returned = [sk for sk, candidate_shard, _ in candidates if candidate_shard == shard]
            consumed_all = len([sk for sk, s, _ in page if s == shard]) == len(returned)
            new_last = taken.get(shard, last_sk)
            next_shards[shard] = None if consumed_all and not more.get(shard) else new_last
        exhausted = all(value is None for value in next_shards.values())
        return [item for _, _, item in page], None if exhausted else encode_cursor({"shards": next_shards})

    def query_day(self, day: date, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> DayPage:
        start = decode_cursor(cursor)
        if start is not None and (start.get("gsi1pk") != day_pk(day.isoformat()) or set(start) != _GSI1_KEYS):
            raise InvalidCursor("cursor is not one this API issued for that day")
        items, next_key = self._query(
            IndexName=GSI1,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues={":pk": {"S": day_pk(day.isoformat())}},
            ScanIndexForward=False,
            Limit=limit,
            cursor=cursor,
        )
        return DayPage(items=[ArticleSummaryItem.model_validate(item) for item in items], cursor=next_key)

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

"""DynamoDB requests and write units per indexed article.

    .venv/bin/python bench/index.py --data ../shared/eval/wcxb-article-dev --limit 60

Parses and analyses real article pages (no AWS), publishes their `ArticleParsed` events to the
indexer running against moto, and counts every DynamoDB request the indexer makes. moto's
ConsumedCapacity is not faithful (a 3 KB put reports 1 unit, transactions report none), so
write units are computed from each request the way DynamoDB bills them: 1 WCU per started KB of
the item written, plus 1 per started KB of what gsi1 projects of it when it carries gsi1's keys,
twice that inside a transaction, and 1 WCU for a delete of a small item.
An entity's profile is written once in the life of the index, the first time any article names
it: the second WCU row leaves those one-time writes out, as a mature index sees them.
Prints the distribution per article and, for comparison, the floor any design needs: one item
per indexed (entity, article) pair for the "articles mentioning X" query, plus the article item
and its entry in the day index; above it, what a Scan of the whole index reads (`newsingest
reindex`) and the write units of re-indexing every article under a newer alias table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

KB = 1024
NUMBER_BYTES = 21
"""DynamoDB bills a number as up to 21 bytes; our numbers are small counters, the upper bound keeps
the estimate conservative."""


PARSED_URI = f"s3://newsingest-articles/parsed/dt=2026-11-29/{'0' * 32}.ndjson"
PARSED_RANGE = "bytes=215040-239615"
"""Where an article's parsed JSON is, as long as the ingest function writes it (a line deep in a
batch object of ten): the article item carries both, and is billed by its size."""


def attribute_size(value: dict[str, Any]) -> int:
    """Billed size of one AttributeValue, per DynamoDB's item-size rules."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return min(NUMBER_BYTES, len(inner) // 2 + 2)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(item.encode("utf-8")) for item in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(item) for item in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode("utf-8")) + attribute_size(item) for name, item in inner.items())
    return len(json.dumps(inner))


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def index_write_units(item: dict[str, Any]) -> int:
    """What writing `item` costs in gsi1 on top of the table: nothing unless it has gsi1's keys,
    else the size of its projection (keys and GSI1_PROJECTED_ATTRIBUTES), per started KB."""
    from newsingest.indexing.items import GSI1_PROJECTED_ATTRIBUTES

    if "gsi1pk" not in item:
        return 0
    projected = {"pk", "sk", "gsi1pk", "gsi1sk", *GSI1_PROJECTED_ATTRIBUTES}
    return write_units(item_size({name: value for name, value in item.items() if name in projected}))


def updated_attributes(params: dict[str, Any]) -> dict[str, Any]:
    """The attributes an UpdateItem writes, by name (its `#aN = ... :vN` pairs and the key)."""
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    attributes = dict(params["Key"])
    for placeholder, name in names.items():
        value = values.get(":v" + placeholder.removeprefix("#a"))
        if value is not None:
            attributes[name] = value
    return attributes


@dataclass
class Meter:
    """Counts requests and billed write units from the requests botocore is about to send."""

    requests: Counter[str] = field(default_factory=Counter)
    wcu: float = 0.0
    profile_wcu: float = 0.0

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        self.requests[operation] += 1
        if operation == "PutItem":
            self.wcu += write_units(item_size(params["Item"])) + index_write_units(params["Item"])
        elif operation == "UpdateItem":
            values = params.get("ExpressionAttributeValues", {})
            self.wcu += write_units(item_size(params["Key"]) + sum(attribute_size(v) for v in values.values()))
            self.wcu += index_write_units(updated_attributes(params))
        elif operation == "DeleteItem":
            self.wcu += 1
        elif operation == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    put = request.get("PutRequest")
                    units = write_units(item_size(put["Item"])) + index_write_units(put["Item"]) if put else 1
                    self.wcu += units
                    if put and put["Item"].get("kind", {}).get("S") in ONCE_PER_ENTITY_KINDS:
                        self.profile_wcu += units
        elif operation == "TransactWriteItems":
            for action in params["TransactItems"]:
                (kind, body), *_ = action.items()
                if kind == "Put":
                    units = write_units(item_size(body["Item"]))
                elif kind == "Update":
                    values = body.get("ExpressionAttributeValues", {})
                    units = write_units(item_size(body["Key"]) + sum(attribute_size(v) for v in values.values()))
                else:
                    units = 1
                self.wcu += 2 * units


ONCE_PER_ENTITY_KINDS = ("entity", "name")
"""Items written the first time the index sees an entity (its profile) or one of its names."""

READ_UNIT_BYTES = 4 * KB
ON_DEMAND_USD_PER_MILLION_READS = 0.125
"""DynamoDB on-demand read request units, us-east-1 (docs/benchmarks.md#cost)."""

BUSY_ENTITY_POSTINGS_A_YEAR = 500 * 365
"""The issue's busy entity: "Russia", 500 articles a day for a year."""


@dataclass
class ReadMeter:
    """Read units of the requests a look-up or timeline makes, billed as DynamoDB bills eventually
    consistent reads: half a unit per started 4 KB each request reads (the items it evaluates,
    whatever it projects or counts; items it returns projected or only counts are postings, taken
    at the mean posting size)."""

    posting_bytes: float
    requests: Counter[str] = field(default_factory=Counter)
    rcu: float = 0.0

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        if model.name == "Query":
            returned = parsed.get("Items", [])
            whole = returned and all("kind" in item for item in returned)  # not projected, not counted
            sizes = (
                sum(item_size(item) for item in returned)
                if whole
                else parsed.get("ScannedCount", 0) * self.posting_bytes
            )
            self.rcu += 0.5 * max(1, math.ceil(sizes / READ_UNIT_BYTES))
        elif model.name == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.rcu += sum(0.5 * max(1, math.ceil(item_size(item) / READ_UNIT_BYTES)) for item in items)


def item_sizes(dynamodb: Any, table: str, kind: str | None = None) -> list[int]:
    """Billed sizes of the table's items (of one kind), read with a Scan: fine at bench sizes."""
    sizes = []
    selection = (
        {"FilterExpression": "kind = :kind", "ExpressionAttributeValues": {":kind": {"S": kind}}} if kind else {}
    )
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, **selection):
        sizes.extend(item_size(item) for item in page["Items"])
    return sizes


def mean_item_bytes(dynamodb: Any, table: str, kind: str) -> tuple[float, int]:
    """Mean billed size and count of the table's items of one kind."""
    sizes = item_sizes(dynamodb, table, kind)
    return (statistics.mean(sizes) if sizes else 0.0), len(sizes)


def measure_scan(dynamodb: Any, table: str, articles: int) -> None:
    """What `newsingest reindex` reads: a Scan bills every item of the table, whatever it keeps, at half
    a read unit per 4 KB (eventually consistent)."""
    sizes = item_sizes(dynamodb, table)
    units = 0.5 * sum(sizes) / READ_UNIT_BYTES
    print(
        f"Scan of the whole index (newsingest reindex): {len(sizes):,} items, {sum(sizes) / KB:,.0f} KB, "
        f"{units:,.1f} read units: {sum(sizes) / KB / articles:.1f} KB and {units / articles:.2f} read units per "
        f"article (${units / articles * 1e6 * ON_DEMAND_USD_PER_MILLION_READS / 1e6:.2f} per million articles "
        f"on demand). Largest posting: {max(item_sizes(dynamodb, table, 'posting'), default=0)} bytes."
    )


def measure_reads(dynamodb: Any, table: str, index: Any, entities: Counter[str], names: dict[str, str]) -> None:
    """Look-ups as a person types them and the timeline of the busiest entity, metered."""
    from newsingest.indexing.queries import entity_timeline, search_entities

    posting_bytes, postings = mean_item_bytes(dynamodb, table, "posting")
    name_bytes, name_count = mean_item_bytes(dynamodb, table, "name")
    _, profiles = mean_item_bytes(dynamodb, table, "entity")
    print(
        f"\nName index: {name_count} name items for {profiles} entities ({name_count / max(1, profiles):.2f} "
        f"per entity, {name_bytes:.0f} bytes each: 1 WCU each, once). Postings: {postings}, "
        f"{posting_bytes:.0f} bytes on average."
    )
    rows = []
    for entity, _ in entities.most_common(LOOKUPS_MEASURED):
        last_word = names[entity].split()[-1]
        for typed in (last_word[:3], last_word):
            meter = ReadMeter(posting_bytes)
            dynamodb.meta.events.register("after-call.dynamodb.*", meter)
            found = search_entities(index, typed, limit=8)
            dynamodb.meta.events.unregister("after-call.dynamodb.*", meter)
            rows.append((typed, meter.rcu, sum(meter.requests.values()), entity in {m.id for m in found.items}))
    costs = sorted(row[1] for row in rows)
    print(
        f"Look-ups ({len(rows)}: the first 3 letters and the whole last word of the {LOOKUPS_MEASURED} most "
        f"named entities): read units mean {statistics.mean(costs):.1f}, median {statistics.median(costs):.1f}, "
        f"max {max(costs):.1f}; requests mean {statistics.mean(row[2] for row in rows):.1f}; "
        f"the entity among the 8 suggested: {sum(row[3] for row in rows)}/{len(rows)}"
    )
    busiest, articles = entities.most_common(1)[0]
    meter = ReadMeter(posting_bytes)
    dynamodb.meta.events.register("after-call.dynamodb.*", meter)
    entity_timeline(index, busiest, start=datetime(2000, 1, 1).date(), end=datetime(2030, 1, 1).date(), interval="week")
    dynamodb.meta.events.unregister("after-call.dynamodb.*", meter)
    year = BUSY_ENTITY_POSTINGS_A_YEAR * posting_bytes / READ_UNIT_BYTES * 0.5
    print(
        f"Timeline of {busiest} ({articles} articles): {meter.rcu:.1f} read units in "
        f"{sum(meter.requests.values())} requests. A busy entity (500 articles a day) over a year: "
        f"{BUSY_ENTITY_POSTINGS_A_YEAR:,} postings x {posting_bytes:.0f} bytes = {year:,.0f} read units "
        f"(${year * ON_DEMAND_USD_PER_MILLION_READS / 1e6:.4f} on demand) per request; a look-up counts at most "
        f"1,000 of its postings: {1000 * posting_bytes / READ_UNIT_BYTES * 0.5:.0f} read units."
    )


LOOKUPS_MEASURED = 20

REINDEX_ALIAS_VERSION = "9999.0.0"
"""The alias-table version of the re-processing the bench meters: newer than any real one."""


def indexer_reader(dynamodb: Any, table: str) -> Any:
    from newsingest.adapters.dynamodb import DynamoIndex

    return DynamoIndex(dynamodb, table)


def load_pages(data: Path, limit: int) -> list[tuple[str, bytes]]:
    pages = sorted((data / "html").glob("*.html.gz"))[:limit]
    return [(page.name.removesuffix(".gz"), gzip.decompress(page.read_bytes())) for page in pages]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/eval/wcxb-article-dev"))
    parser.add_argument("--limit", type=int, default=60, help="pages to index")
    parser.add_argument(
        "--text-chars",
        default=None,
        metavar="MIN:MAX",
        help="only pages whose extracted text has MIN to MAX characters (before --limit)",
    )
    parser.add_argument(
        "--index-entities", choices=("evidence", "all"), default="evidence", help="the indexer's INDEX_ENTITIES"
    )
    args = parser.parse_args(argv)

    from moto import mock_aws

    from newsingest.adapters.aws import client
    from newsingest.adapters.dynamodb import DynamoIndex
    from newsingest.entities import analyse_text
    from newsingest.errors import RejectedInput
    from newsingest.events import article_parsed_event
    from newsingest.indexing.items import ArticleItem, IndexPolicy
    from newsingest.indexing.service import Indexer
    from newsingest.local.demo import LOCAL_ENVIRONMENT, reset_caches
    from newsingest.local.stack import create_stack
    from newsingest.models import EntityStatus
    from newsingest.parsing import parse_article
    from newsingest.stories.signature import signature_of

    os.environ.update(LOCAL_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    pages = load_pages(args.data, 10**6 if args.text_chars else args.limit)
    low, _, high = (args.text_chars or "0:0").partition(":")
    print(f"Analysing {len(pages)} pages ...", file=sys.stderr)
    events = []
    received = datetime(2025, 1, 1, tzinfo=UTC)
    for name, data in pages:
        try:
            article = parse_article(data, key=f"incoming/{name}")
        except RejectedInput:
            continue
        if args.text_chars and not int(low) <= len(article.text) <= int(high):
            continue
        if len(events) == args.limit:
            break
        analysis = analyse_text(article.text, title=article.title)
        article = article.model_copy(
            update={
                "source": article.source.model_copy(update={"bucket": "newsingest-articles"}),
                "entities": analysis.entities,
                "quotes": analysis.quotes,
                "entity_status": EntityStatus.EXTRACTED,
                "entity_model": analysis.entity_model,
                "alias_table_version": analysis.alias_table_version,
                "signature": signature_of(article.text),
            }
        )
        events.append(
            article_parsed_event(
                article, parsed_uri=PARSED_URI, parsed_range=PARSED_RANGE, received_at=received, processed_at=received
            )
        )

    rows = []
    named: Counter[str] = Counter()
    names: dict[str, str] = {}
    with mock_aws():
        reset_caches()
        stack = create_stack(client("s3"), client("sqs"), client("dynamodb"))
        dynamodb = client("dynamodb")
        policy = IndexPolicy(args.index_entities)
        indexer = Indexer(DynamoIndex(dynamodb, stack.table_name), policy)
        for event in events:
            meter = Meter()
            dynamodb.meta.events.register("before-parameter-build.dynamodb.*", meter)
            indexer.apply(event)
            dynamodb.meta.events.unregister("before-parameter-build.dynamodb.*", meter)
            indexed = ArticleItem.of(event.data, policy).entities
            entities = len(indexed)
            named.update(entity.id for entity in indexed)
            names.update((entity.id, entity.name) for entity in indexed)
            attributed = sum(1 for quote in event.data.quotes if quote.speaker_id)
            rows.append(
                (entities, attributed, sum(meter.requests.values()), meter.wcu, meter.requests, meter.profile_wcu)
            )
        measure_reads(dynamodb, stack.table_name, indexer_reader(dynamodb, stack.table_name), named, names)
        measure_scan(dynamodb, stack.table_name, len(events))
        reindexed = []
        for event in events:  # each article re-processed later by a newer alias table finding the same entities
            again = event.data.model_copy(
                update={"alias_table_version": REINDEX_ALIAS_VERSION, "processed_at": received + timedelta(days=1)}
            )
            meter = Meter()
            dynamodb.meta.events.register("before-parameter-build.dynamodb.*", meter)
            outcome = indexer.apply(event.model_copy(update={"data": again}))
            dynamodb.meta.events.unregister("before-parameter-build.dynamodb.*", meter)
            if outcome == "reindexed":  # not a second copy of a text already re-indexed
                reindexed.append(meter.wcu)
        print(
            f"Re-indexing the {len(reindexed)} articles (a newer alias table, the same entities): "
            f"{statistics.mean(reindexed):.1f} WCU per article on average, median {statistics.median(reindexed):.1f}."
        )

    entities = [row[0] for row in rows]
    wcu = [row[3] for row in rows]
    steady = [row[3] - row[5] for row in rows]
    requests = [row[2] for row in rows]
    found = [len(event.data.entities) for event in events]
    floor = [row[0] + 2 for row in rows]
    busiest = max(rows, key=lambda row: row[0])
    typical = sorted(rows, key=lambda row: row[0])[len(rows) // 2]
    chosen = f"pages with {args.text_chars} characters of text" if args.text_chars else "pages"
    print(f"Indexed {len(rows)} articles (first {args.limit} {chosen} of {args.data.name}), INDEX_ENTITIES={policy}.\n")
    print("| per article | mean | median | p90 | max |")
    print("|---|---:|---:|---:|---:|")
    for label, values in (
        ("entities found", found),
        ("entities indexed (postings)", entities),
        ("DynamoDB requests", requests),
        ("write units (WCU), first sight of every entity", wcu),
        ("write units (WCU), entities already known", steady),
        ("floor: one posting per indexed entity + the article + its day entry", floor),
    ):
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        mean, median = statistics.mean(values), statistics.median(values)
        print(f"| {label} | {mean:.1f} | {median:.1f} | {p90:.1f} | {max(values):.1f} |")
    print(
        f"\nMedian article: {typical[0]} entities, {typical[1]} attributed quotes -> {typical[2]} requests, "
        f"{typical[3]:.0f} WCU ({dict(typical[4])})"
    )
    print(f"Article with the most entities: {busiest[0]} entities -> {busiest[2]} requests, {busiest[3]:.0f} WCU")
    print(f"WCU per entity, entities already known: {sum(steady) / max(1, sum(entities)):.2f}")
    print("(Look-up and timeline read units: above the table, printed while the index was up.)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

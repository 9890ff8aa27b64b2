"""An independent check of a local stack after a run: what every live object of the bucket should
have made of the index (its current bytes parsed and analysed again in this process, as the ingest
would), against everything the index holds (a full scan). It counts what `newsingest reconcile`
reports, lost, duplicated and stale entries and entity totals that differ, but from the bytes, not
from the pipeline's own records, so it cannot share a blind spot with them.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from newsingest.adapters.parsed import ParsedArticleGone, ParsedArticleReader
from newsingest.errors import RejectedInput
from newsingest.events import article_parsed_event
from newsingest.indexing.items import ArticleItem, IndexPolicy, source_id
from newsingest.ingest import FetchedObject, IngestService
from newsingest.limits import INCOMING_PREFIX
from newsingest.models import SourceRef

EXAMPLES_KEPT = 20
"""Examples kept per finding: enough to start debugging, short enough to print."""


@dataclass(frozen=True)
class ExpectedArticle:
    """One article an object's bytes give, as the index should hold it."""

    article_id: str
    record: int | None
    entities: dict[str, int]
    """Indexed entity id -> mentions: the postings the article should have."""


@dataclass(frozen=True)
class Expected:
    """What one body should become: its articles, or the reason it is rejected."""

    articles: tuple[ExpectedArticle, ...] = ()
    rejected: str | None = None


class Expectations:
    """The ingest's parse + entity extraction in this process, cached per body."""

    def __init__(self, policy: IndexPolicy = IndexPolicy.EVIDENCE) -> None:
        self._service = IngestService.wired(
            store=None,  # type: ignore[arg-type]  # analyse() reads and writes nothing
            publisher=None,  # type: ignore[arg-type]
            parsed_bucket="audit",
        )
        self._policy = policy
        self._cache: dict[tuple[str, str, str], Expected] = {}

    def of(self, key: str, data: bytes, content_type: str) -> Expected:
        cache_key = (hashlib.sha256(data).hexdigest(), PurePosixPath(key).suffix, content_type)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._expect(key, data, content_type)
        return self._cache[cache_key]

    def _expect(self, key: str, data: bytes, content_type: str) -> Expected:
        try:
            articles = self._service.analyse(
                FetchedObject(data, content_type or None, None, None, None), SourceRef(bucket="audit", key=key)
            )
        except RejectedInput as exc:
            return Expected(rejected=exc.reason)
        except Exception:  # the ingest rejects what its parser raises on as parse_error
            return Expected(rejected="parse_error")
        expected = []
        for article in articles:
            event = article_parsed_event(
                article,
                parsed_uri="s3://audit/parsed",
                parsed_range="bytes=0-0",
                received_at=datetime.now(UTC),
                record_count=len(articles),
            )
            item = ArticleItem.of(event.data, self._policy)
            expected.append(
                ExpectedArticle(
                    article_id=article.id,
                    record=article.source.record,
                    entities={entity.id: entity.mention_count for entity in item.entities},
                )
            )
        return Expected(articles=tuple(expected))


@dataclass
class Findings:
    """What the audit found; each list holds up to `EXAMPLES_KEPT` examples, the counts all."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    live_objects: int = 0
    live_articles: int = 0
    rejected_objects: int = 0
    entities_checked: int = 0

    def add(self, finding: str, example: str) -> None:
        self.counts[finding] += 1
        if len(self.examples[finding]) < EXAMPLES_KEPT:
            self.examples[finding].append(example)

    @property
    def lost(self) -> int:
        return self.counts["lost"]

    @property
    def duplicated(self) -> int:
        return self.counts["duplicated"]

    @property
    def stale(self) -> int:
        return self.counts["stale"]

    @property
    def totals_off(self) -> int:
        return self.counts["totals_off"]

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.stale or self.totals_off)


def live_objects(s3: Any, bucket: str, prefix: str = INCOMING_PREFIX) -> dict[str, tuple[str, bytes, str]]:
    """key -> (current version id, its bytes, its content type), for keys whose latest version is
    not a delete marker."""
    latest: dict[str, tuple[str, bool]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Versions", []):
            if entry["IsLatest"]:
                latest[entry["Key"]] = (entry["VersionId"], True)
        for entry in page.get("DeleteMarkers", []):
            if entry["IsLatest"]:
                latest[entry["Key"]] = (entry["VersionId"], False)
    live = {}
    for key, (version, is_object) in sorted(latest.items()):
        if is_object:
            response = s3.get_object(Bucket=bucket, Key=key, VersionId=version)
            live[key] = (version, response["Body"].read(), str(response.get("ContentType") or ""))
    return live


def audit(s3: Any, index: Any, bucket: str, expectations: Expectations) -> Findings:
    """Compare the bucket's live objects with every item of the index (`index` a `DynamoIndex`), and
    read each live article's parsed copy where its item points."""
    found = Findings()
    items: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in index.scan_items():
        items[str(item.get("kind"))].append(item)
    sources = {(item.get("bucket"), item["key"]): item for item in items["source"]}
    records: defaultdict[str, dict[str, str]] = defaultdict(dict)  # pk -> source id -> article
    for item in items["record"]:
        records[item["pk"]][item["source_id"]] = item["article_id"]
    for item in items["source"]:
        if item.get("article_id") and item.get("source_id") and not item.get("deleted"):
            records[item["pk"]][item["source_id"]] = item["article_id"]
    rejected_pks = {item["pk"] for item in items["rejection"]}
    article_sources = {item["article_id"]: set(item.get("sources") or []) for item in items["article"]}

    live = live_objects(s3, bucket)
    found.live_objects = len(live)
    wanted_sources: defaultdict[str, set[str]] = defaultdict(set)  # article -> sources that hold it
    wanted_entities: dict[str, dict[str, int]] = {}
    live_pks = set()
    for key, (version, data, content_type) in live.items():
        expected = expectations.of(key, data, content_type)
        source = sources.get((bucket, key))
        pk = f"SOURCE#{bucket}/{key}"
        live_pks.add(pk)
        held = records.get(pk, {})
        if source is None:
            found.add("lost", f"{key}: nothing in the index")
            continue
        if source.get("version_id") != version:
            found.add("stale", f"{key}: index holds version {source.get('version_id')}, the bucket {version}")
        if expected.rejected:
            found.rejected_objects += 1
            if pk not in rejected_pks:
                found.add("lost", f"{key}: rejected ({expected.rejected}), no rejection recorded")
            for stale_source, stale_article in held.items():
                found.add("stale", f"{key}: rejected now, still indexed as {stale_article} ({stale_source})")
            continue
        if pk in rejected_pks:
            found.add("stale", f"{key}: holds articles, a rejection is still recorded")
        want = {
            source_id(bucket, key, article.record if len(expected.articles) > 1 else None): article
            for article in expected.articles
        }
        for wanted_source, article in want.items():
            wanted_sources[article.article_id].add(wanted_source)
            wanted_entities[article.article_id] = article.entities
            if held.get(wanted_source) != article.article_id:
                found.add("lost", f"{wanted_source}: should hold {article.article_id}, holds {held.get(wanted_source)}")
        for held_source, article_id in held.items():
            if held_source not in want:
                found.add("stale", f"{held_source}: no such record in the current version, holds {article_id}")

    for pk, held in records.items():
        if pk not in live_pks:
            for held_source, article_id in held.items():
                found.add("stale", f"{held_source}: the object is gone, still holds {article_id}")
    for pk in rejected_pks - live_pks:
        found.add("stale", f"{pk}: the object is gone, its rejection is still recorded")

    found.live_articles = len(wanted_sources)
    for article_id, wanted in wanted_sources.items():
        have = article_sources.get(article_id)
        if have is None:
            found.add("lost", f"article {article_id} (of {sorted(wanted)[0]}): no article item")
        elif wanted - have:
            found.add("lost", f"article {article_id}: sources {sorted(wanted - have)} missing")
    reader = ParsedArticleReader(s3)
    for item in items["article"]:
        if item["article_id"] in wanted_sources:
            try:
                copy = reader.read(item["parsed_uri"], item["parsed_range"])
            except (ParsedArticleGone, ValueError) as exc:
                found.add("lost", f"article {item['article_id']}: its parsed copy is unreadable ({exc})")
                continue
            if copy.id != item["article_id"]:
                found.add("lost", f"article {item['article_id']}: {item['parsed_uri']} holds {copy.id} there")
    for article_id, have in article_sources.items():
        if article_id not in wanted_sources:
            found.add("stale", f"article {article_id} (sources {sorted(have)}): no live object holds it")
        elif extra := have - wanted_sources[article_id]:
            found.add("stale", f"article {article_id}: sources {sorted(extra)} no longer hold it")
    holders: defaultdict[str, list[str]] = defaultdict(list)
    for article_id, have in article_sources.items():
        for held_source in have:
            holders[held_source].append(article_id)
    for held_source, articles in holders.items():
        if len(articles) > 1:
            found.add("duplicated", f"{held_source}: a source of {len(articles)} articles {sorted(articles)}")

    _check_postings(found, items, wanted_entities)
    _check_profiles(found, items)
    return found


def _check_profiles(found: Findings, items: dict[str, list[dict[str, Any]]]) -> None:
    """Every entity with a posting or quotation has its profile, and no other entity keeps a profile
    or name key (look-up would suggest an entity no article names)."""
    filed = {item["entity_id"] for item in items["posting"]} | {item["speaker_id"] for item in items["quote"]}
    profiled = {item["entity_id"] for item in items["entity"]}
    named = {item["entity_id"] for item in items["name"]}
    for entity_id in sorted(filed - profiled):
        found.add("lost", f"entity {entity_id}: postings or quotations, no profile")
    for entity_id in sorted((profiled | named) - filed):
        found.add("stale", f"entity {entity_id}: a profile or name keys left, no posting or quotation")


def _check_postings(
    found: Findings, items: dict[str, list[dict[str, Any]]], wanted_entities: dict[str, dict[str, int]]
) -> None:
    """Every posting belongs to a live article, once; every entity's totals (articles, mentions)
    counted from its postings equal those of the live articles."""
    pairs: Counter[tuple[str, str]] = Counter()
    totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for posting in items["posting"]:
        pair = (posting["entity_id"], posting["article_id"])
        pairs[pair] += 1
        if pairs[pair] > 1:
            found.add("duplicated", f"{pair[0]} in {pair[1]}: {pairs[pair]} postings")
            continue
        totals[posting["entity_id"]][0] += 1
        totals[posting["entity_id"]][1] += int(posting["mention_count"])
        if posting["article_id"] not in wanted_entities:
            found.add("stale", f"posting of {pair[0]} in {pair[1]}: no live object holds the article")
    for quote in items["quote"]:
        if quote["article_id"] not in wanted_entities:
            found.add("stale", f"quotes of {quote['speaker_id']} in {quote['article_id']}: no live object holds it")
    expected_totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entities in wanted_entities.values():
        for entity_id, mentions in entities.items():
            expected_totals[entity_id][0] += 1
            expected_totals[entity_id][1] += mentions
    checked = set(expected_totals) | set(totals)
    found.entities_checked = len(checked)
    for entity_id in sorted(checked):
        got, want = totals.get(entity_id, [0, 0]), expected_totals.get(entity_id, [0, 0])
        if got != want:
            found.add(
                "totals_off", f"{entity_id}: {got[0]} articles / {got[1]} mentions, expected {want[0]} / {want[1]}"
            )

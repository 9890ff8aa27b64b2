"""`newsingest reconcile`: does the index say what the bucket holds?

`reconcile(bucket, index)` compares one listing of the bucket with one pass over the index, over two
small reader interfaces (S3 and DynamoDB in `newsingest.adapters.ops`, anything in tests), and
reports five kinds of drift:

- lost: an object whose current version the index does not hold (no source item, a tombstone, an
  article or rejection that is missing);
- stale: the index holds an older version of the object than the bucket;
- orphaned: the index holds an object that is gone, or an article no object holds;
- duplicated: an article still lists an object whose index entries name another article (the object
  is counted twice);
- totals_off: an entity's totals, which are counted from its postings, differ from what the
  articles say: a posting (or quotation) an article lists is missing, or one no article lists is there.

`fix` sends each finding through the pipeline, never writing the index itself: the S3 notification
that makes ingest read the key's current version (as backfill does) for an object, and a
`StrayIndexEntries` event for the indexer for entries no object accounts for.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TextIO

from newsingest.events import StrayEntry, StrayIndexEntries, StraySource, stray_index_entries_event
from newsingest.indexing.items import (
    ArticleItem,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    postings_for,
    quote_keys_for,
    source_pk,
)
from newsingest.limits import DEFAULT_GRACE_SECONDS, INCOMING_PREFIX
from newsingest.ops.messages import StoredObject, new_run_id, object_created_message, object_removed_message


class DriftKind(StrEnum):
    LOST = "lost"
    DUPLICATED = "duplicated"
    STALE = "stale"
    ORPHANED = "orphaned"
    TOTALS_OFF = "totals_off"


class BucketReader(Protocol):
    """The bucket's keys, each with its current version or the delete marker that hides it."""

    @property
    def name(self) -> str: ...

    def latest(
        self, prefix: str, *, start_after: str | None = None
    ) -> Iterator[tuple[str, StoredObject | None, datetime]]: ...


@dataclass(frozen=True)
class IndexedArticle:
    """An article item with the sources it lists."""

    item: ArticleItem
    sources: frozenset[str]


IndexEntry = SourceItem | RecordItem | RejectionItem | IndexedArticle | PostingItem | QuoteItem


class IndexReader(Protocol):
    """Every item of the index that says what is indexed (profiles and name keys aside), in any order."""

    def entries(self) -> Iterator[IndexEntry]: ...


@dataclass(frozen=True)
class Finding:
    """One disagreement, and what `fix` sends for it: the key to replay (with its current version,
    None for a key that holds nothing), or stray entries for the indexer."""

    kind: DriftKind
    what: str
    key: str | None = None
    article_id: str | None = None
    replay: bool = False
    current: StoredObject | None = None
    stray: StrayIndexEntries | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "key": self.key, "article_id": self.article_id, "what": self.what}


@dataclass
class ReconcileReport:
    """What a reconcile found, with counts per kind; `agrees` when it found nothing."""

    bucket: str
    prefix: str
    objects: int = 0
    articles: int = 0
    postings: int = 0
    in_flight: int = 0
    findings: list[Finding] = field(default_factory=list)

    def count(self, kind: DriftKind) -> int:
        return sum(1 for finding in self.findings if finding.kind is kind)

    @property
    def lost(self) -> int:
        return self.count(DriftKind.LOST)

    @property
    def duplicated(self) -> int:
        return self.count(DriftKind.DUPLICATED)

    @property
    def stale(self) -> int:
        return self.count(DriftKind.STALE)

    @property
    def orphaned(self) -> int:
        return self.count(DriftKind.ORPHANED)

    @property
    def totals_off(self) -> int:
        return self.count(DriftKind.TOTALS_OFF)

    @property
    def agrees(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        return {str(kind): self.count(kind) for kind in DriftKind}

    def to_json(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "agrees": self.agrees,
            "checked": {"objects": self.objects, "articles": self.articles, "postings": self.postings},
            "in_flight": self.in_flight,
            "counts": self.counts(),
            "findings": [finding.to_json() for finding in self.findings],
        }

    def summary(self) -> str:
        counts = ", ".join(f"{count} {kind}" for kind, count in self.counts().items())
        verdict = "the index agrees with the bucket" if self.agrees else "DRIFT"
        skipped = f"; {self.in_flight} changed too recently to judge (in flight)" if self.in_flight else ""
        return (
            f"s3://{self.bucket}/{self.prefix}: {self.objects} object(s), {self.articles} article(s), "
            f"{self.postings} posting(s) checked{skipped}: {verdict} ({counts})"
        )


def current_version(obj: StoredObject) -> str | None:
    """What the index records as an object's version: its version id, or its ETag where the bucket
    is unversioned (S3 then names no version, and lists the version id `null`)."""
    return obj.version_id if obj.version_id not in (None, "null") else obj.etag


EntryKey = tuple[str, str]
"""An item's (pk, sk)."""


@dataclass(frozen=True, slots=True)
class _Article:
    """What the checks need of an article item, kept instead of it: the items hold ten times as much."""

    sources: frozenset[str]
    postings: dict[EntryKey, int]
    """The postings it should have: key -> mention count."""
    quotes: frozenset[EntryKey]


def _entity_of(pk: str) -> str:
    """`ENTITY#<entity id>#<shard>` -> the entity id."""
    return pk.removeprefix("ENTITY#").rpartition("#")[0]


def _time_and_article(sk: str) -> tuple[str, str]:
    """`POSTING#<sort time>#<article id>` (or `QUOTE#...`) -> (sort time, article id)."""
    _, sort_time, article_id = sk.split("#", 2)
    return sort_time, article_id


@dataclass
class _Index:
    """The index read once, arranged for the checks, postings and quotations by key only."""

    objects: dict[str, ObjectState] = field(default_factory=dict)
    """pk -> what the index holds about that object."""
    articles: dict[str, _Article] = field(default_factory=dict)
    postings: dict[EntryKey, int] = field(default_factory=dict)
    """key -> mention count."""
    quotes: set[EntryKey] = field(default_factory=set)

    @classmethod
    def read(cls, entries: Iterable[IndexEntry]) -> _Index:
        sources: dict[str, SourceItem] = {}
        records: dict[str, list[RecordItem]] = {}
        rejected: set[str] = set()
        index = cls()
        for entry in entries:
            if isinstance(entry, SourceItem):
                sources[entry.pk] = entry
            elif isinstance(entry, RecordItem):
                records.setdefault(entry.pk, []).append(entry)
            elif isinstance(entry, RejectionItem):
                rejected.add(entry.pk)
            elif isinstance(entry, IndexedArticle):
                index.articles[entry.item.article_id] = _Article(
                    sources=entry.sources,
                    postings={(p.pk, p.sk): p.mention_count for p in postings_for(entry.item)},
                    quotes=frozenset(quote_keys_for(entry.item)),
                )
            elif isinstance(entry, PostingItem):
                index.postings[(entry.pk, entry.sk)] = entry.mention_count
            else:
                index.quotes.add((entry.pk, entry.sk))
        for pk in sources.keys() | records.keys() | rejected:
            index.objects[pk] = ObjectState(
                source=sources.get(pk), records=records.get(pk, []), rejected=pk in rejected
            )
        return index

    def holders(self) -> dict[tuple[str, str], SourceItem]:
        """(article, source id) -> the source item of the live object that holds it."""
        held: dict[tuple[str, str], SourceItem] = {}
        for state in self.objects.values():
            if state.source is None or state.source.deleted:
                continue
            for record in state.all_records():
                held[(record.article_id, record.source_id)] = state.source
        return held


def reconcile(
    bucket: BucketReader,
    index: IndexReader,
    *,
    prefix: str = INCOMING_PREFIX,
    settled_before: datetime | None = None,
    now: datetime | None = None,
) -> ReconcileReport:
    """Compare the bucket's objects under `prefix` with the index. Changes at or after
    `settled_before` (an object written or deleted, an index entry applied) are counted as in flight
    and not judged; None judges everything (a quiet stack, a test)."""
    found_at = now or datetime.now(UTC)
    listing = {key: (stored, when) for key, stored, when in bucket.latest(prefix)}
    state = _Index.read(index.entries())
    report = ReconcileReport(
        bucket=bucket.name, prefix=prefix, articles=len(state.articles), postings=len(state.postings)
    )

    def recent(moment: datetime | str | None) -> bool:
        if settled_before is None or moment is None:
            return False
        when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return (when if when.tzinfo else when.replace(tzinfo=UTC)) >= settled_before

    holders = state.holders()
    for key, (stored, when) in sorted(listing.items()):
        held = state.objects.get(source_pk(bucket.name, key), ObjectState())
        if stored is None:
            continue  # gone: judged with the index's objects below
        report.objects += 1
        if recent(when) or (held.source is not None and recent(held.source.event_time)):
            report.in_flight += 1
            continue
        finding = _judge_object(key, stored, held, state)
        if finding is not None:
            report.findings.append(finding)
    for _, held in sorted(state.objects.items()):
        source = held.source
        if source is None or source.bucket != bucket.name or not source.key.startswith(prefix) or source.deleted:
            continue
        listed = listing.get(source.key)
        if listed is not None and listed[0] is not None:
            continue
        if (listed is not None and recent(listed[1])) or recent(source.event_time):
            report.in_flight += 1
            continue
        report.findings.append(
            Finding(DriftKind.ORPHANED, "the object is gone but the index still holds it", key=source.key, replay=True)
        )
    report.findings.extend(_judge_articles(bucket.name, prefix, state, holders, listing, found_at))
    report.findings.extend(_judge_postings(state, holders, listing, found_at))
    return report


def _judge_object(key: str, stored: StoredObject, held: ObjectState, state: _Index) -> Finding | None:
    source = held.source
    version = current_version(stored)

    def lost(what: str) -> Finding:
        return Finding(DriftKind.LOST, what, key=key, replay=True, current=stored)

    if source is None:
        return lost("not in the index")
    if source.deleted:
        return lost("the index has it as deleted")
    if source.version_id != version:
        return Finding(
            DriftKind.STALE,
            f"the index holds version {source.version_id}, the bucket {version}",
            key=key,
            replay=True,
            current=stored,
        )
    if source.record_count == 0:
        return None if held.rejected else lost("neither an article nor a rejection is on record for it")
    records = held.all_records()
    if len(records) < source.record_count:
        return lost(f"{len(records)} of its {source.record_count} articles are indexed")
    for record in records:
        article = state.articles.get(record.article_id)
        if article is None:
            return lost(f"its article {record.article_id} is not in the index")
        if record.source_id not in article.sources:
            return lost(f"its article {record.article_id} does not list it among its sources")
    return None


def _source_key(bucket: str, prefix: str, source_id: str, listing: dict[str, Any], state: _Index) -> str | None:
    """The key a source id names (`bucket/key`, `#n` for record n), if it is in this bucket and prefix."""
    rest = source_id.removeprefix(f"{bucket}/")
    if rest == source_id:
        return None  # another bucket's object: not this reconcile's to judge
    head, sep, record = rest.rpartition("#")
    is_record = sep and record.isdigit() and (head in listing or source_pk(bucket, head) in state.objects)
    key = head if is_record else rest
    return key if key.startswith(prefix) else None


def _judge_articles(
    bucket: str,
    prefix: str,
    state: _Index,
    holders: dict[tuple[str, str], SourceItem],
    listing: dict[str, tuple[StoredObject | None, datetime]],
    found_at: datetime,
) -> Iterator[Finding]:
    for article_id, article in sorted(state.articles.items()):
        if not article.sources:
            yield Finding(
                DriftKind.ORPHANED,
                "an article that lists no source",
                article_id=article_id,
                stray=StrayIndexEntries(article_id=article_id, unsourced=True, found_at=found_at),
            )
            continue
        strays: list[StraySource] = []
        for source_id in sorted(article.sources):
            if (article_id, source_id) in holders:
                continue
            key = _source_key(bucket, prefix, source_id, listing, state)
            if key is not None:
                strays.append(StraySource(bucket=bucket, key=key, source_id=source_id))
        if not strays:
            continue
        keys = ", ".join(stray.key for stray in strays)
        still_there = any(listing.get(stray.key, (None, None))[0] is not None for stray in strays)
        kept = len(article.sources) - len(strays)
        if still_there or kept:
            kind, what = (
                DriftKind.DUPLICATED,
                f"it still lists {keys}, whose index entries name another article or none",
            )
        else:
            kind, what = DriftKind.ORPHANED, f"every object it lists is gone ({keys})"
        yield Finding(
            kind,
            what,
            key=strays[0].key,
            article_id=article_id,
            stray=StrayIndexEntries(article_id=article_id, sources=strays, found_at=found_at),
        )


def _judge_postings(
    state: _Index,
    holders: dict[tuple[str, str], SourceItem],
    listing: dict[str, tuple[StoredObject | None, datetime]],
    found_at: datetime,
) -> Iterator[Finding]:
    held_keys: dict[str, str] = {}
    for (article_id, _), source in holders.items():
        held_keys.setdefault(article_id, source.key)
    # An article's postings that are missing or disagree with it: replaying one of its objects rewrites them all.
    expected_postings: set[EntryKey] = set()
    expected_quotes: set[EntryKey] = set()
    for article_id, article in sorted(state.articles.items()):
        expected_postings.update(article.postings)
        expected_quotes.update(article.quotes)
        problems = []
        for key, mentions in article.postings.items():
            present = state.postings.get(key)
            if present is None:
                problems.append(f"no posting under {_entity_of(key[0])}")
            elif present != mentions:
                problems.append(f"{_entity_of(key[0])}'s posting counts {present} mentions, the article {mentions}")
        problems.extend(
            f"no quotation item under {_entity_of(key[0])}" for key in sorted(article.quotes - state.quotes)
        )
        replay_key = held_keys.get(article_id)
        if problems and replay_key is not None:  # else no object holds it: orphaned or duplicated above
            yield Finding(
                DriftKind.TOTALS_OFF,
                "; ".join(problems),
                key=replay_key,
                article_id=article_id,
                replay=True,
                current=listing.get(replay_key, (None, None))[0],
            )
    # Entries no article accounts for: the indexer removes them.
    stray: dict[str, tuple[list[StrayEntry], list[StrayEntry]]] = {}
    for keys, expected, slot in ((state.postings.keys(), expected_postings, 0), (state.quotes, expected_quotes, 1)):
        for key in sorted(set(keys) - expected):
            sort_time, article_id = _time_and_article(key[1])
            stray.setdefault(article_id, ([], []))[slot].append(
                StrayEntry(entity_id=_entity_of(key[0]), sort_time=sort_time)
            )
    for article_id, (postings, quotes) in sorted(stray.items()):
        named = sorted({entry.entity_id for entry in [*postings, *quotes]})
        whose = "is not in the index" if article_id not in state.articles else "does not list them"
        yield Finding(
            DriftKind.TOTALS_OFF,
            f"{len(postings)} posting(s) and {len(quotes)} quotation item(s) under {', '.join(named)} "
            f"for an article that {whose}",
            article_id=article_id,
            stray=StrayIndexEntries(article_id=article_id, postings=postings, quotes=quotes, found_at=found_at),
        )


class MessageSender(Protocol):
    def send(self, bodies: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class FixResult:
    replays: int
    stray_events: int
    run_id: str


def fix(
    report: ReconcileReport,
    *,
    ingest: MessageSender,
    index: MessageSender,
    region: str = "us-east-1",
    run_id: str | None = None,
    now: datetime | None = None,
) -> FixResult:
    """Send every finding through the pipeline: one replay per key (its current version, or a removal
    for a key that holds nothing) to the ingest queue, stray entries to the index queue."""
    run = run_id or new_run_id("reconcile")
    moment = now or datetime.now(UTC)
    replays: dict[str, str] = {}
    strays: list[str] = []
    for finding in report.findings:
        if finding.replay and finding.key is not None and finding.key not in replays:
            replays[finding.key] = (
                object_created_message(report.bucket, finding.current, run_id=run, region=region)
                if finding.current is not None
                else object_removed_message(report.bucket, finding.key, run_id=run, at=moment, region=region)
            )
        if finding.stray is not None:
            strays.append(stray_index_entries_event(finding.stray).model_dump_json())
    if replays:
        ingest.send(list(replays.values()))
    if strays:
        index.send(strays)
    return FixResult(replays=len(replays), stray_events=len(strays), run_id=run)


# -- the command ------------------------------------------------------------------------------


def add_parser(commands: Any) -> None:
    """Register `newsingest reconcile`."""
    from newsingest.ops.backfill import add_stack_arguments, wrapped

    parser = commands.add_parser(
        "reconcile",
        help="check that the index says what the bucket holds (exit status 0: agrees, 1: drift, 2: error)",
        description=wrapped(
            "Lists the bucket and reads the whole index once, and reports objects missing from the index (lost), "
            "index entries for objects that are gone (orphaned), entries made from an older version of an object "
            "(stale), articles still counted under an object that holds another (duplicated), and entity totals "
            "that differ from what the articles say (totals_off: postings or quotations missing or stray). "
            "Exit status 0 when the two agree, 1 on drift, 2 on an error, for CI or a scheduled job. --fix sends "
            "each finding through the pipeline (a replay of the object, or the stray entries to the indexer) and "
            "never writes the index itself; run it again once the queues have drained to confirm. It reads every "
            "index item: about one read unit per 8 KB of table (docs/operations.md#the-index-and-the-bucket-disagree)."
        ),
        epilog=(
            "examples:\n"
            "  newsingest reconcile --stack newsingest\n"
            "  newsingest reconcile --stack newsingest --fix\n"
            "  newsingest reconcile --stack newsingest --endpoint-url http://127.0.0.1:4566 --grace 0 --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_arguments(parser)
    parser.add_argument("--prefix", default=INCOMING_PREFIX, help=f"the keys to check (default {INCOMING_PREFIX})")
    parser.add_argument("--fix", action="store_true", help="send each finding through the pipeline to repair it")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--grace",
        type=int,
        default=DEFAULT_GRACE_SECONDS,
        metavar="SECONDS",
        help=f"changes newer than this are in flight, not judged (default {DEFAULT_GRACE_SECONDS}; 0 on a quiet stack)",
    )
    parser.set_defaults(run=command)


def command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Exit status 0 when the bucket and the index agree, 1 when they do not, 2 on an error."""
    out = out or sys.stdout
    from newsingest.adapters.ops import DynamoIndexScan, S3Listing, SqsSender
    from newsingest.adapters.stack import AwsTarget, resolve_stack

    target = AwsTarget(region=args.region, endpoint_url=args.endpoint_url)
    try:
        stack = resolve_stack(args.stack, target)
        now = datetime.now(UTC)
        report = reconcile(
            S3Listing(target.client("s3"), stack.bucket),
            DynamoIndexScan(target.client("dynamodb"), stack.table_name),
            prefix=args.prefix,
            settled_before=now - timedelta(seconds=args.grace) if args.grace > 0 else None,
            now=now,
        )
        fixed = None
        if args.fix and not report.agrees:
            fixed = fix(
                report,
                ingest=SqsSender(target.client("sqs"), stack.ingest_queue_url),
                index=SqsSender(target.client("sqs"), stack.index_queue_url),
                region=target.region_name,
                now=now,
            )
    except Exception as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    if args.json:
        document = report.to_json()
        if fixed is not None:
            document["fix"] = {"replays": fixed.replays, "stray_events": fixed.stray_events, "run_id": fixed.run_id}
        print(json.dumps(document, indent=2), file=out)
    else:
        for finding in report.findings:
            subject = finding.key or f"article {finding.article_id}"
            print(f"{finding.kind:<10} {subject}: {finding.what}", file=out)
        print(report.summary(), file=out)
        if fixed is not None:
            print(
                f"fix: {fixed.replays} replay(s) sent to the ingest queue, {fixed.stray_events} stray-entry event(s) "
                f"to the index queue (run {fixed.run_id}); run reconcile again once the queues have drained",
                file=out,
            )
    return 0 if report.agrees else 1

"""`newsingest reindex`: re-process the articles that older versions of the extractor, the entity
model or the alias table made, through the pipeline's own path.

One Scan of the index reads what made each article item and rejection and which objects hold them;
every object holding an article made by versions older than the target, or rejected by an older
extractor, is sent to the ingest queue as a replay
(the S3 notification `newsingest backfill` sends, `ops/messages.py`), so the ingest function parses
what the key holds now and the indexer replaces the article's entries: the re-indexing rule and
why queries stay right meanwhile are in docs/design.md#re-indexing, when and what it costs in
docs/operations.md#re-indexing. A run stopped part-way is run again: what was re-processed is
current and not selected any more.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TextIO

from newsingest.indexing.items import source_id
from newsingest.ops.backfill import SEND_BATCH, Pacer, add_stack_arguments
from newsingest.ops.messages import StoredObject, new_run_id, object_created_message
from newsingest.provenance import NOT_RUN, Provenance, version_key

DEFAULT_RATE = 20.0
"""Objects a second unless told otherwise: well under the ~50 a second the ingest functions take
between them at their default concurrency (`newsingest backfill`'s rate), so uploads arriving during
a re-index are not held up behind it."""

SAMPLE_KEYS = 10
"""Keys `--dry-run` lists: enough to recognise what would be re-processed."""

PROGRESS_EVERY_SECONDS = 5.0
"""How often a progress line is printed while sending."""

COMPONENTS = ("extractor", "model", "aliases")
"""What `--older-than KIND=VERSION` may name: the package, the entity model, the alias table."""


@dataclass(frozen=True)
class MadeArticle:
    """An article item as the Scan reads it: what made it and the objects (`bucket/key[#n]`) holding it."""

    article_id: str
    made_by: str
    sources: frozenset[str]


@dataclass(frozen=True)
class IndexedObject:
    """An object's latest state in the index (its source item), not deleted."""

    bucket: str | None
    key: str
    event_time: datetime
    record_count: int = 1

    def source_ids(self) -> list[str]:
        """How the articles it holds list it: `bucket/key`, or `bucket/key#n` for each record."""
        if self.record_count <= 1:
            return [source_id(self.bucket, self.key)]
        return [source_id(self.bucket, self.key, record) for record in range(self.record_count)]


@dataclass(frozen=True)
class RejectedObject:
    """An object the index holds a rejection for, and the extractor version that rejected it (None
    for a rejection recorded before versions were)."""

    bucket: str | None
    key: str
    extractor_version: str | None


@dataclass(frozen=True)
class ScanResult:
    articles: list[MadeArticle]
    objects: list[IndexedObject]
    read_units: float = 0.0
    rejections: list[RejectedObject] = field(default_factory=list)


class IndexVersions(Protocol):
    """The index's article and object items (DynamoDB: `adapters/reindex.py`)."""

    def scan(self) -> ScanResult: ...


class MessageSender(Protocol):
    """Sends message bodies to the ingest queue, or raises (SQS's SendMessageBatch)."""

    def send(self, bodies: Sequence[str]) -> None: ...


class VersionFloor:
    """Which articles are older than wanted: those with a version older than the floor's for any
    component it names. Versions compare as people number them (`provenance.version_key`); a model
    of another name counts as older (the floor's model is the one wanted); a step that did not run
    for an article (no entities for a non-English text) is never older."""

    def __init__(self, floor: dict[str, str]) -> None:
        unknown = set(floor) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown version kind(s) {', '.join(sorted(unknown))}: use {', '.join(COMPONENTS)}")
        self.floor = floor

    @classmethod
    def of(cls, provenance: Provenance) -> VersionFloor:
        """Older than these versions in any of the three."""
        parts = {"extractor": provenance.extractor, "model": provenance.model, "aliases": provenance.aliases}
        return cls({kind: version for kind, version in parts.items() if version})

    @classmethod
    def parse(cls, specs: Iterable[str]) -> VersionFloor:
        """`KIND=VERSION` (KIND one of extractor, model, aliases), or a bare VERSION of the extractor."""
        floor: dict[str, str] = {}
        for spec in specs:
            kind, _, version = spec.rpartition("=")
            kind = kind or "extractor"
            if not version:
                raise ValueError(f"no version in {spec!r}")
            floor[kind] = version
        return cls(floor)

    def __str__(self) -> str:
        return ", ".join(f"{kind} {self.floor[kind]}" for kind in COMPONENTS if kind in self.floor)

    def selects_rejection(self, extractor_version: str | None) -> bool:
        """A rejection depends on the extractor alone: older than the floor's extractor, or unrecorded."""
        wanted = self.floor.get("extractor")
        return wanted is not None and (extractor_version is None or _older(extractor_version, wanted, kind="extractor"))

    def selects(self, made_by: str) -> bool:
        made = Provenance.parse(made_by)
        held = {"extractor": made.extractor, "model": made.model, "aliases": made.aliases}
        return any(_older(held[kind], version, kind=kind) for kind, version in self.floor.items())


def installed_versions() -> Provenance:
    """The versions this installation's ingest function records: the package, its entity model and its
    alias table (imports no model). Here, not in `provenance`, so that no function artifact carries
    the entity code for it."""
    from newsingest.entities.aliases import alias_table
    from newsingest.entities.analysis import ENTITY_MODEL
    from newsingest.version import __version__

    return Provenance(extractor=__version__, model=ENTITY_MODEL, aliases=alias_table().version)


def _older(held: str | None, wanted: str, *, kind: str) -> bool:
    if held is None or held == NOT_RUN:
        return False
    if kind == "model":
        held_name, _, held_version = held.rpartition("-")
        wanted_name, _, wanted_version = wanted.rpartition("-")
        if held_name != wanted_name:
            return True
        return version_key(held_version) < version_key(wanted_version)
    return version_key(held) < version_key(wanted)


@dataclass
class ReindexPlan:
    """What a run re-processes: the objects (in key order) holding the selected articles."""

    by_made_by: Counter[str] = field(default_factory=Counter)
    selected_by_made_by: Counter[str] = field(default_factory=Counter)
    objects: list[IndexedObject] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    """Selected articles no live object lists: their objects are gone (reconcile finds them)."""
    rejections: int = 0
    selected_rejections: int = 0
    """Rejected objects an older extractor rejected: a newer one may make articles of them."""

    @property
    def selected(self) -> int:
        return sum(self.selected_by_made_by.values())


def plan_reindex(scanned: ScanResult, floor: VersionFloor) -> ReindexPlan:
    """The objects holding every article the floor selects, each once."""
    by_source = {sid: obj for obj in scanned.objects for sid in obj.source_ids()}
    plan = ReindexPlan()
    chosen: dict[tuple[str | None, str], IndexedObject] = {}
    for article in scanned.articles:
        plan.by_made_by[article.made_by] += 1
        if not floor.selects(article.made_by):
            continue
        plan.selected_by_made_by[article.made_by] += 1
        holders = [by_source[sid] for sid in sorted(article.sources) if sid in by_source]
        if not holders:
            plan.unplaced.append(article.article_id)
        for obj in holders:
            chosen[(obj.bucket, obj.key)] = obj
    live = {(obj.bucket, obj.key): obj for obj in scanned.objects}
    for rejection in scanned.rejections:
        held = live.get((rejection.bucket, rejection.key))
        if held is None:
            continue  # deleted since: nothing to re-process
        plan.rejections += 1
        if floor.selects_rejection(rejection.extractor_version):
            plan.selected_rejections += 1
            chosen[(held.bucket, held.key)] = held
    plan.objects = sorted(chosen.values(), key=lambda obj: (obj.bucket or "", obj.key))
    return plan


def replay_message(obj: IndexedObject, *, run_id: str, region: str) -> str:
    """The replay notification for the object, dated as the index last saw it change (an undated
    article keeps its day); ingest reads whatever version the key holds now."""
    stored = StoredObject(key=obj.key, size=0, etag=None, version_id=None, last_modified=obj.event_time)
    return object_created_message(obj.bucket or "", stored, run_id=run_id, region=region)


def describe(plan: ReindexPlan, floor: VersionFloor, *, scanned: ScanResult, out: TextIO) -> None:
    """The plan for people: articles by the versions that made them, what is selected, a sample of keys."""
    print(f"Older than: {floor}", file=out)
    print(
        f"Scanned the index: {len(scanned.articles):,} article(s), {len(scanned.objects):,} object(s)"
        + (f", {scanned.read_units:,.1f} read units" if scanned.read_units else ""),
        file=out,
    )
    width = max([len("made by"), *(len(made_by) for made_by in plan.by_made_by)])
    print(f"{'made by'.ljust(width)}  {'articles':>8}  re-process", file=out)
    for made_by, count in sorted(plan.by_made_by.items()):
        print(f"{made_by.ljust(width)}  {count:>8,}  {'yes' if plan.selected_by_made_by[made_by] else 'no'}", file=out)
    if plan.rejections:
        print(
            f"{plan.selected_rejections:,} of {plan.rejections:,} rejected object(s) rejected by an older extractor",
            file=out,
        )
    rejected = f" and {plan.selected_rejections:,} rejected object(s)" if plan.selected_rejections else ""
    print(f"{plan.selected:,} article(s){rejected} to re-process, from {len(plan.objects):,} object(s)", file=out)
    for obj in plan.objects[:SAMPLE_KEYS]:
        print(f"  s3://{obj.bucket or ''}/{obj.key}", file=out)
    if len(plan.objects) > SAMPLE_KEYS:
        print(f"  ... and {len(plan.objects) - SAMPLE_KEYS:,} more", file=out)
    if plan.unplaced:
        print(
            f"{len(plan.unplaced):,} selected article(s) are held by no object the index knows "
            f"(e.g. {plan.unplaced[0]}): `newsingest reconcile` reports them",
            file=out,
        )


@dataclass(frozen=True)
class ReindexResult:
    plan: ReindexPlan
    sent: int
    run_id: str | None


def run_reindex(
    index: IndexVersions,
    sender: MessageSender | None,
    *,
    floor: VersionFloor,
    rate: float = DEFAULT_RATE,
    region: str = "us-east-1",
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
    pacer: Pacer | None = None,
) -> ReindexResult:
    """Scan, describe the plan on `out`, then (unless `sender` is None: a dry run) send each
    selected object's replay notification, paced, with progress on `err` (stdout and stderr by default)."""
    out = out or sys.stdout
    err = err or sys.stderr
    print("reindex: scanning the index ...", file=err, flush=True)
    scanned = index.scan()
    plan = plan_reindex(scanned, floor)
    describe(plan, floor, scanned=scanned, out=out)
    if sender is None:
        print("Dry run: nothing sent.", file=out)
        return ReindexResult(plan=plan, sent=0, run_id=None)
    run_id = new_run_id("reindex")
    pacer = pacer or Pacer(rate, clock=clock)
    total = len(plan.objects)
    started = last = clock()
    sent = 0
    batch_size = max(1, min(SEND_BATCH, int(rate)))
    for start in range(0, total, batch_size):
        batch = plan.objects[start : start + batch_size]
        pacer.wait_for(len(batch))
        sender.send([replay_message(obj, run_id=run_id, region=region) for obj in batch])
        sent += len(batch)
        now = clock()
        if now - last >= PROGRESS_EVERY_SECONDS or sent == total:
            last = now
            print(_progress(sent, total, now - started), file=err, flush=True)
    print(f"Sent {sent:,} object(s) to the ingest queue (run {run_id}).", file=out)
    return ReindexResult(plan=plan, sent=sent, run_id=run_id)


def _progress(sent: int, total: int, elapsed: float) -> str:
    rate = sent / elapsed if elapsed > 0 else 0.0
    left = (total - sent) / rate if rate > 0 else 0.0
    return f"reindex: {sent:,}/{total:,} objects sent ({100 * sent / total:.0f}%), {rate:,.1f}/s, ETA {left:,.0f}s"


# -- the command ------------------------------------------------------------------------------


def _rate(text: str) -> float:
    try:
        rate = float(text.removesuffix("/s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r} (e.g. 20 or 20/s)") from None
    if rate <= 0:
        raise argparse.ArgumentTypeError("the rate must be positive")
    return rate


def add_parser(commands: Any) -> None:
    """Register `newsingest reindex`."""
    parser = commands.add_parser(
        "reindex",
        help="re-process the articles older extractor, model or alias-table versions made",
        description=(
            "Re-processes what older versions of the extractor, its entity model or its alias table made.\n"
            "\n"
            "Scans the index for articles made by versions older than wanted (by default, older than this\n"
            "installation's: run it from the release you deployed, after deploying it) and sends each object\n"
            "holding one to the stack's ingest queue again, as a replay. The ingest function parses what the\n"
            "key holds now, and the indexer replaces the article's postings, quotations and name entries: when\n"
            "an alias-table change merges or splits entities, their articles move to the new ids and nothing\n"
            "is left under the old ones. Objects an older extractor rejected are sent again too: a newer one\n"
            "may make articles of them. Queries keep answering while it runs.\n"
            "\n"
            "Try --dry-run first: it prints the articles by the versions that made them and the keys it would\n"
            "send. A stopped run is resumed by running it again (what was re-processed is not selected\n"
            "again); wait for the ingest queue to drain first, or objects in flight are sent twice (harmless,\n"
            "but work). The Scan reads the whole index table: about half a read unit per 4 KB\n"
            "(docs/operations.md#re-indexing)."
        ),
        epilog=(
            "--older-than takes KIND=VERSION, KIND one of extractor, model, aliases (a bare VERSION is the\n"
            "extractor's); give it several times to combine them. Versions compare as numbered: 0.10.0 after 0.9.1.\n"
            "\n"
            "examples:\n"
            "  newsingest reindex --stack newsingest --dry-run\n"
            "  newsingest reindex --stack newsingest --older-than aliases=2027.01.0 --rate 10\n"
            "  newsingest reindex --stack newsingest --older-than 0.2.0\n"
            "  newsingest reindex --stack newsingest --endpoint-url http://127.0.0.1:4566   # newsingest local up"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--older-than",
        action="append",
        metavar="[KIND=]VERSION",
        help="re-process articles made by a version older than this (default: this installation's versions)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be re-processed (counts by version, keys); send nothing",
    )
    parser.add_argument(
        "--rate",
        type=_rate,
        default=DEFAULT_RATE,
        help=f"objects per second, e.g. 10 or 10/s (default {DEFAULT_RATE:g})",
    )
    parser.set_defaults(run=command)


def command(args: argparse.Namespace) -> int:
    """`newsingest reindex`: 0 when everything selected was sent (or shown), 2 on an error."""
    from newsingest.adapters.ops import SqsSender
    from newsingest.adapters.reindex import IndexVersionScan
    from newsingest.adapters.stack import AwsTarget, StackNotFound, resolve_stack

    try:
        floor = VersionFloor.parse(args.older_than) if args.older_than else VersionFloor.of(installed_versions())
    except ValueError as error:
        print(f"error: --older-than: {error}", file=sys.stderr)
        return 2
    target = AwsTarget(region=args.region, endpoint_url=args.endpoint_url)
    try:
        stack = resolve_stack(args.stack, target)
        run_reindex(
            IndexVersionScan(target.client("dynamodb"), stack.table_name),
            None if args.dry_run else SqsSender(target.client("sqs"), stack.ingest_queue_url),
            floor=floor,
            rate=args.rate,
            region=target.region_name,
        )
    except StackNotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # AWS refused or went away: what was sent is re-processed; run it again
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        print("what was sent is re-processed; run the same command again for the rest", file=sys.stderr)
        return 2
    return 0

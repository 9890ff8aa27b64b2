"""CPU time per article of the ingest path against the irreducible baseline, in one process.

    .venv/bin/python bench/ingest.py --data ../shared/eval/wcxb-article-dev [--passes 3] [--limit N]
        [--batch 10] [--profile 25 [--profile-batch]]

For each page of a WCXB-style evaluation set (`<data>/html/*.html.gz`, decompressed up front: the
bucket holds plain pages), two systems run interleaved, in an order that alternates from page to
page and from pass to pass, and `time.process_time` is read around each:

- baseline, the work no ingest can avoid: `trafilatura.extract(page bytes)` (main text, default
  settings) and, when it finds text, one `nlp(text)` with the NER-only pipeline newsingest loads
  (`newsingest.entities.nlp.load_pipeline()`: same weights, same exclusions);
- newsingest, the ingest function's whole CPU path without AWS: `IngestService.handle` of an
  object-created change, with an in-memory object store and publisher. That is the fetch result
  -> `parse_articles` (decoding, format detection, HTML main text and metadata, language) ->
  `analyse_texts` (the NER pass, mention clean-up, aliases, salience, quotes, dates, amounts) ->
  the text's MinHash signature (`signature_of`, its own row: stories) ->
  the parsed article's JSON (what is written to S3) -> the `ArticleParsed` event and its JSON
  (the SQS message body), or the `ArticleRejected` event of a page that is no article.

Then the same two systems run on batches of `--batch` pages (10, an SQS batch of uploads), again
interleaved: baseline `trafilatura.extract` per page and one `nlp.pipe` over the batch's texts;
newsingest as the ingest function runs a batch, `IngestService.process_batch` over the batch's S3
notifications (each page parsed, one `analyse_texts` model pass over the batch, one stored object).
Its stored articles are checked equal to the per-page service's before the batch table is printed.

Model loading is excluded (both systems run on a few pages before the measured passes). Each
page's time is the median of its passes; the table gives the mean over pages (what the bill
follows), the median page and the 90th percentile, per stage and in total, and the ratio of the
totals. `--profile N` then runs the newsingest path once more (per page, or in batches with
`--profile-batch`) under cProfile and prints its N most expensive functions (own time and
cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import logging
import pstats
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote_plus

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"
WARM_UP_PAGES = 5
SQS_BATCH_SIZE = 10
"""Uploads per ingest invocation: the SQS event source's BatchSize in template.yaml."""
MAX_OBJECT_BYTES = 10 * 1024 * 1024
BUCKET = "bench-articles"
PLENTY_OF_TIME_MS = 10**9
"""The bench measures CPU, not the deadline: no message is ever deferred for time."""
T = TypeVar("T")


@dataclass
class Clock:
    """CPU seconds spent per stage, for the page being measured."""

    stages: dict[str, float] = field(default_factory=dict)

    def timed(self, stage: str, function: Callable[..., T]) -> Callable[..., T]:
        def wrapper(*args: Any, **kwargs: Any) -> T:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.stages[stage] = self.stages.get(stage, 0.0) + time.process_time() - started

        return wrapper


class MemoryStore:
    """The ingest stage's ObjectStore, in memory: fetch returns the page, puts are kept."""

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}
        self.written = 0
        self.last_body = b""

    def fetch(self, source: Any, *, max_bytes: int) -> Any:
        return self.objects[source.key]

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        self.written += len(body)
        self.last_body = body


class SerialisingPublisher:
    """The ingest stage's EventPublisher: serialises each event as SQS's would, sends nowhere."""

    def __init__(self) -> None:
        self.sent = 0
        self.types: list[str] = []

    def publish(self, events: Sequence[Any]) -> None:
        for event in events:
            self.sent += len(event.model_dump_json())
            self.types.append(str(event.type))


def load_pages(data: Path, limit: int | None) -> list[tuple[str, bytes]]:
    pages = sorted((data / "html").glob("*.html.gz"))
    if not pages:
        sys.exit(f"no pages in {data / 'html'} (give --data the evaluation set's folder)")
    return [(page.name.removesuffix(".gz"), gzip.decompress(page.read_bytes())) for page in pages[:limit]]


def per_article_table(
    rows: Sequence[tuple[str, list[list[dict[str, float]]], str]], weights: Sequence[int]
) -> dict[str, float]:
    """Print one table row per (label, runs, stage): each unit's median over its passes, divided by
    its weight (pages per unit), as mean per article (weighted), median and p90; return the means."""
    means = {}
    for label, runs, stage in rows:
        values = [statistics.median(run[stage] for run in unit_runs) * 1000 for unit_runs in runs]
        means[label] = sum(values) / sum(weights)
        per_article = [value / weight for value, weight in zip(values, weights, strict=True)]
        median, p90 = statistics.median(per_article), percentile(per_article, 0.9)
        print(f"| {label} | {means[label]:.1f} | {median:.1f} | {p90:.1f} |")
    return means


def interleaved(
    units: Sequence[T], passes: int, first: Callable[[T], dict[str, float]], second: Callable[[T], dict[str, float]]
) -> tuple[list[list[dict[str, float]]], list[list[dict[str, float]]], list[float]]:
    """Run both systems on every unit, `passes` times, the order alternating per unit and pass;
    return each system's runs per unit and each pass's ratio of totals (second / first)."""
    first_runs: list[list[dict[str, float]]] = [[] for _ in units]
    second_runs: list[list[dict[str, float]]] = [[] for _ in units]
    pass_ratios = []
    for number in range(passes):
        print(f"Pass {number + 1}/{passes} over {len(units)} units ...", file=sys.stderr)
        for index, unit in enumerate(units):
            if (index + number) % 2 == 0:
                first_runs[index].append(first(unit))
                second_runs[index].append(second(unit))
            else:
                second_runs[index].append(second(unit))
                first_runs[index].append(first(unit))
        pass_ratios.append(
            sum(runs[-1]["total"] for runs in second_runs) / sum(runs[-1]["total"] for runs in first_runs)
        )
    return first_runs, second_runs, pass_ratios


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="evaluation set folder (html/*.html.gz)")
    parser.add_argument("--passes", type=int, default=3, help="measured passes over the pages")
    parser.add_argument("--limit", type=int, default=None, help="first N pages only (default: all)")
    parser.add_argument("--batch", type=int, default=SQS_BATCH_SIZE, help="pages per batch (0: per page only)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--profile-batch", action="store_true", help="profile the batched path, not per page")
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)  # trafilatura and htmldate log every odd page
    warnings.simplefilter("ignore")

    import trafilatura

    import newsingest.entities.analysis as analysis_module
    import newsingest.ingest as ingest_module
    from newsingest.entities import analyse_texts
    from newsingest.entities.nlp import load_pipeline
    from newsingest.ingest import FetchedObject, IngestService, QueuedMessage, announce_every_time
    from newsingest.models import SourceRef
    from newsingest.parsing import parse_articles
    from newsingest.triggers import ChangeKind, ObjectChange

    pages = load_pages(args.data, args.limit)
    nlp = load_pipeline()
    clock = Clock()
    analysis_module.find_entity_spans_of_texts = clock.timed("ner", analysis_module.find_entity_spans_of_texts)  # type: ignore[attr-defined]
    ingest_module.signature_of = clock.timed("signature", ingest_module.signature_of)  # type: ignore[attr-defined]
    store, publisher = MemoryStore(), SerialisingPublisher()
    timed_parse = clock.timed("parse", parse_articles)
    service = IngestService(
        store=store,
        publisher=publisher,
        parsed_bucket=BUCKET,
        max_object_bytes=MAX_OBJECT_BYTES,
        parse=timed_parse,
        analyse=clock.timed("analyse", analyse_texts),
    )
    received = datetime(2026, 1, 1, tzinfo=UTC)
    changes = []
    for name, data in pages:
        key = f"incoming/{name}"
        store.objects[key] = FetchedObject(
            data=data, content_type="text/html", content_encoding=None, etag="0" * 32, version_id=None
        )
        changes.append(
            ObjectChange(
                kind=ChangeKind.CREATED,
                source=SourceRef(bucket=BUCKET, key=key, etag="0" * 32),
                event_time=received,
                size=len(data),
            )
        )

    def baseline(data: bytes) -> dict[str, float]:
        started = time.process_time()
        text = trafilatura.extract(data)
        extracted = time.process_time()
        if text:
            nlp(text)
        done = time.process_time()
        return {"extract": extracted - started, "ner": done - extracted, "total": done - started}

    def baseline_batch(batch: Sequence[bytes]) -> dict[str, float]:
        started = time.process_time()
        texts = [text for text in (trafilatura.extract(data) for data in batch) if text]
        extracted = time.process_time()
        for _ in nlp.pipe(texts):
            pass
        done = time.process_time()
        return {"extract": extracted - started, "ner": done - extracted, "total": done - started}

    def stages_of(started: float) -> dict[str, float]:
        total = time.process_time() - started
        stages = clock.stages
        return {
            "parse": stages.get("parse", 0.0),
            "ner": stages.get("ner", 0.0),
            "entities": stages.get("analyse", 0.0) - stages.get("ner", 0.0),
            "signature": stages.get("signature", 0.0),
            "rest": total - stages.get("parse", 0.0) - stages.get("analyse", 0.0) - stages.get("signature", 0.0),
            "total": total,
        }

    def newsingest(change: Any) -> dict[str, float]:
        clock.stages = {}
        started = time.process_time()
        service.handle(change)
        return stages_of(started)

    def message_for(change: Any) -> Any:
        """The SQS message S3 sends for the upload (the key URL-encoded, as S3 encodes it)."""
        record = {
            "eventName": "ObjectCreated:Put",
            "eventTime": change.event_time.isoformat(),
            "s3": {
                "bucket": {"name": BUCKET},
                "object": {"key": quote_plus(change.source.key), "eTag": change.source.etag, "size": change.size},
            },
        }
        return QueuedMessage(change.source.key, {"Records": [record]})

    def newsingest_batch(batch: Sequence[Any]) -> dict[str, float]:
        """One ingest invocation over the batch, as Lambda runs it: `IngestService.process_batch`."""
        clock.stages = {}
        started = time.process_time()
        failed = service.process_batch(
            [message_for(change) for change in batch], remaining_ms=lambda: PLENTY_OF_TIME_MS, once=announce_every_time
        )
        assert not failed, failed
        return stages_of(started)

    print(f"Warming up on {WARM_UP_PAGES} pages (model loads excluded) ...", file=sys.stderr)
    for (_, data), change in list(zip(pages, changes, strict=True))[:WARM_UP_PAGES]:
        baseline(data)
        newsingest(change)
    newsingest_batch(changes[:WARM_UP_PAGES])
    baseline_batch([data for _, data in pages[:WARM_UP_PAGES]])
    publisher.types.clear()

    base_runs, ours_runs, pass_ratios = interleaved(
        [(data, change) for (_, data), change in zip(pages, changes, strict=True)],
        args.passes,
        lambda unit: baseline(unit[0]),
        lambda unit: newsingest(unit[1]),
    )
    parsed = publisher.types.count("newsingest.ArticleParsed") // args.passes
    rejected = publisher.types.count("newsingest.ArticleRejected") // args.passes
    no_text = sum(1 for _, data in pages if not trafilatura.extract(data))
    print(
        f"Pages: {len(pages)} of {args.data.name} ({parsed} parsed and {rejected} rejected by newsingest; "
        f"trafilatura found no text in {no_text}). {args.passes} passes, systems interleaved per page; "
        f"CPU time (time.process_time), each page's median over the passes.\n"
    )
    print("| CPU ms per article, one page at a time | mean | median | p90 |")
    print("|---|---:|---:|---:|")
    rows = [
        ("baseline: trafilatura.extract", base_runs, "extract"),
        ("baseline: spaCy NER, nlp(text)", base_runs, "ner"),
        ("**baseline total**", base_runs, "total"),
        ("newsingest: parse (decode, main text, metadata, language)", ours_runs, "parse"),
        ("newsingest: spaCy NER pass", ours_runs, "ner"),
        ("newsingest: entities, aliases, salience, quotes, dates, amounts", ours_runs, "entities"),
        ("newsingest: MinHash signature (stories)", ours_runs, "signature"),
        ("newsingest: article and event JSON, the rest of the path", ours_runs, "rest"),
        ("**newsingest total**", ours_runs, "total"),
    ]
    means = per_article_table(rows, [1] * len(pages))
    ratio = means["**newsingest total**"] / means["**baseline total**"]
    signature_share = means[rows[6][0]] / (means["**newsingest total**"] - means[rows[6][0]])
    print(
        f"\n**Ratio newsingest / baseline, per page: {ratio:.2f}** (mean CPU per article; "
        f"per-pass totals {min(pass_ratios):.2f}-{max(pass_ratios):.2f}). "
        f"Parse / trafilatura.extract: {means[rows[3][0]] / means[rows[0][0]]:.2f}; "
        f"NER pass / nlp(text): {means[rows[4][0]] / means[rows[1][0]]:.2f}. "
        f"The signature adds {signature_share:.1%} to the rest of the ingest path."
    )

    batches = [
        list(range(start, min(start + args.batch, len(pages)))) for start in range(0, len(pages), args.batch or 1)
    ]
    if args.batch:
        check_batches(batches, changes, service, store, newsingest_batch)
        base_runs, ours_runs, pass_ratios = interleaved(
            batches,
            args.passes,
            lambda batch: baseline_batch([pages[index][1] for index in batch]),
            lambda batch: newsingest_batch([changes[index] for index in batch]),
        )
        print(
            f"\nBatches: {len(batches)} of up to {args.batch} consecutive pages, systems interleaved per batch; "
            f"each batch's median over the passes, per article: batch CPU / its pages.\n"
        )
        print(f"| CPU ms per article, batches of {args.batch} | mean | median | p90 |")
        print("|---|---:|---:|---:|")
        rows = [
            ("baseline: trafilatura.extract per page", base_runs, "extract"),
            ("baseline: spaCy NER, nlp.pipe(batch texts)", base_runs, "ner"),
            ("**baseline total, batched**", base_runs, "total"),
            ("newsingest: parse_articles per page", ours_runs, "parse"),
            ("newsingest: spaCy NER pass, analyse_texts(batch)", ours_runs, "ner"),
            ("newsingest: entities, aliases, salience, quotes, dates, amounts", ours_runs, "entities"),
            ("newsingest: MinHash signature (stories)", ours_runs, "signature"),
            ("newsingest: article and event JSON, one store, the rest", ours_runs, "rest"),
            ("**newsingest total, batched**", ours_runs, "total"),
        ]
        batch_means = per_article_table(rows, [len(batch) for batch in batches])
        batch_ratio = batch_means["**newsingest total, batched**"] / batch_means["**baseline total, batched**"]
        signature = batch_means[rows[6][0]]
        print(
            f"\n**Ratio newsingest / baseline, batches of {args.batch}: {batch_ratio:.2f}** (mean CPU per article; "
            f"per-pass totals {min(pass_ratios):.2f}-{max(pass_ratios):.2f}). "
            f"NER pass / nlp.pipe: {batch_means[rows[4][0]] / batch_means[rows[1][0]]:.2f}. "
            f"The signature adds {signature / (batch_means['**newsingest total, batched**'] - signature):.1%} "
            "to the rest of the batched path."
        )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        if args.profile_batch:
            for batch in batches:
                newsingest_batch([changes[index] for index in batch])
        else:
            for change in changes:
                service.handle(change)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(order).print_stats(args.profile)
            print(f"\nProfile of one newsingest pass, by {order}:\n```")
            print("\n".join(line for line in out.getvalue().splitlines()[5:] if line.strip()).replace(str(REPO), "."))
            print("```")
    return 0


def check_batches(
    batches: Sequence[Sequence[int]],
    changes: Sequence[Any],
    service: Any,
    store: MemoryStore,
    newsingest_batch: Callable[[Sequence[Any]], object],
) -> None:
    """Exit unless the batched path stores, line for line, the articles the per-page service does."""
    for batch in batches:
        expected = []
        for index in batch:
            store.last_body = b""
            service.handle(changes[index])
            expected.extend(store.last_body.splitlines())
        store.last_body = b""
        newsingest_batch([changes[index] for index in batch])
        if store.last_body.splitlines() != expected:
            sys.exit(f"the batched path's articles differ from the per-page service's (batch {batch[0]}-{batch[-1]})")


if __name__ == "__main__":
    raise SystemExit(main())

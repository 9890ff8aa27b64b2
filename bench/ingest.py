"""CPU time per article of the ingest path against the irreducible baseline, in one process.

    .venv/bin/python bench/ingest.py --data ../shared/eval/wcxb-article-dev [--passes 3] [--limit N] [--profile 25]

For each page of a WCXB-style evaluation set (`<data>/html/*.html.gz`, decompressed up front: the
bucket holds plain pages), two systems run interleaved, in an order that alternates from page to
page and from pass to pass, and `time.process_time` is read around each:

- baseline, the work no ingest can avoid: `trafilatura.extract(page bytes)` (main text, default
  settings) and, when it finds text, one `nlp(text)` with the NER-only pipeline newsingest loads
  (`newsingest.entities.nlp.load_pipeline()`: same weights, same exclusions);
- newsingest, the ingest function's whole CPU path without AWS: `IngestService.handle` of an
  object-created change, with an in-memory object store and publisher. That is the fetch result
  -> `parse_articles` (decoding, format detection, HTML main text and metadata, language) ->
  `analyse_text` (the NER pass, mention clean-up, aliases, salience, quotes, dates, amounts) ->
  the parsed article's JSON (what is written to S3) -> the `ArticleParsed` event and its JSON
  (the SQS message body), or the `ArticleRejected` event of a page that is no article.

Model loading is excluded (both systems run on a few pages before the measured passes). Each
page's time is the median of its passes; the table gives the mean over pages (what the bill
follows), the median page and the 90th percentile, per stage and in total, and the ratio of the
totals. `--profile N` then runs the newsingest path once more under cProfile and prints its N
most expensive functions (own time and cumulative).
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

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"
WARM_UP_PAGES = 5
MAX_OBJECT_BYTES = 10 * 1024 * 1024
BUCKET = "bench-articles"
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

    def fetch(self, source: Any, *, max_bytes: int) -> Any:
        return self.objects[source.key]

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        self.written += len(body)


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


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="evaluation set folder (html/*.html.gz)")
    parser.add_argument("--passes", type=int, default=3, help="measured passes over the pages")
    parser.add_argument("--limit", type=int, default=None, help="first N pages only (default: all)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    args = parser.parse_args(argv)

    logging.disable(logging.WARNING)  # trafilatura and htmldate log every odd page
    warnings.simplefilter("ignore")

    import trafilatura

    import newsingest.entities.analysis as analysis_module
    from newsingest.entities import analyse_text
    from newsingest.entities.nlp import load_pipeline
    from newsingest.ingest import FetchedObject, IngestService
    from newsingest.models import SourceRef
    from newsingest.parsing import parse_articles
    from newsingest.triggers import ChangeKind, ObjectChange

    pages = load_pages(args.data, args.limit)
    nlp = load_pipeline()
    clock = Clock()
    analysis_module.find_entity_spans = clock.timed("ner", analysis_module.find_entity_spans)  # type: ignore[attr-defined]
    store, publisher = MemoryStore(), SerialisingPublisher()
    service = IngestService(
        store=store,
        publisher=publisher,
        parsed_bucket=BUCKET,
        max_object_bytes=MAX_OBJECT_BYTES,
        parse=clock.timed("parse", parse_articles),
        analyse=clock.timed("analyse", analyse_text),
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

    def newsingest(change: Any) -> dict[str, float]:
        clock.stages = {}
        started = time.process_time()
        service.handle(change)
        total = time.process_time() - started
        stages = clock.stages
        return {
            "parse": stages["parse"],
            "ner": stages.get("ner", 0.0),
            "entities": stages.get("analyse", 0.0) - stages.get("ner", 0.0),
            "rest": total - stages["parse"] - stages.get("analyse", 0.0),
            "total": total,
        }

    print(f"Warming up on {WARM_UP_PAGES} pages (model loads excluded) ...", file=sys.stderr)
    for (_, data), change in list(zip(pages, changes, strict=True))[:WARM_UP_PAGES]:
        baseline(data)
        newsingest(change)
    publisher.types.clear()

    base_runs: list[list[dict[str, float]]] = [[] for _ in pages]
    ours_runs: list[list[dict[str, float]]] = [[] for _ in pages]
    pass_ratios = []
    for number in range(args.passes):
        print(f"Pass {number + 1}/{args.passes} over {len(pages)} pages ...", file=sys.stderr)
        for index, ((_, data), change) in enumerate(zip(pages, changes, strict=True)):
            if (index + number) % 2 == 0:
                base_runs[index].append(baseline(data))
                ours_runs[index].append(newsingest(change))
            else:
                ours_runs[index].append(newsingest(change))
                base_runs[index].append(baseline(data))
        pass_ratios.append(sum(runs[-1]["total"] for runs in ours_runs) / sum(runs[-1]["total"] for runs in base_runs))

    def per_page(runs: list[list[dict[str, float]]], stage: str) -> list[float]:
        return [statistics.median(run[stage] for run in page_runs) * 1000 for page_runs in runs]

    parsed = publisher.types.count("newsingest.ArticleParsed") // args.passes
    rejected = publisher.types.count("newsingest.ArticleRejected") // args.passes
    no_text = sum(1 for _, data in pages if not trafilatura.extract(data))
    print(
        f"Pages: {len(pages)} of {args.data.name} ({parsed} parsed and {rejected} rejected by newsingest; "
        f"trafilatura found no text in {no_text}). {args.passes} passes, systems interleaved per page; "
        f"CPU time (time.process_time), each page's median over the passes.\n"
    )
    print("| CPU ms per article | mean | median | p90 |")
    print("|---|---:|---:|---:|")
    rows = [
        ("baseline: trafilatura.extract", base_runs, "extract"),
        ("baseline: spaCy NER, nlp(text)", base_runs, "ner"),
        ("**baseline total**", base_runs, "total"),
        ("newsingest: parse (decode, main text, metadata, language)", ours_runs, "parse"),
        ("newsingest: spaCy NER pass", ours_runs, "ner"),
        ("newsingest: entities, aliases, salience, quotes, dates, amounts", ours_runs, "entities"),
        ("newsingest: article and event JSON, the rest of the path", ours_runs, "rest"),
        ("**newsingest total**", ours_runs, "total"),
    ]
    means = {}
    for label, runs, stage in rows:
        values = per_page(runs, stage)
        means[label] = statistics.mean(values)
        median, p90 = statistics.median(values), percentile(values, 0.9)
        print(f"| {label} | {means[label]:.1f} | {median:.1f} | {p90:.1f} |")
    ratio = means["**newsingest total**"] / means["**baseline total**"]
    print(
        f"\n**Ratio newsingest / baseline: {ratio:.2f}** (mean CPU per article; "
        f"per-pass totals {min(pass_ratios):.2f}-{max(pass_ratios):.2f}). "
        f"Parse / trafilatura.extract: {means[rows[3][0]] / means[rows[0][0]]:.2f}; "
        f"NER pass / nlp(text): {means[rows[4][0]] / means[rows[1][0]]:.2f}."
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
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


if __name__ == "__main__":
    raise SystemExit(main())

"""Near-duplicate detection on real pages: precision, recall, time and write units of stories.

    .venv/bin/python bench/dedup.py --data ../shared/eval/wcxb-article-dev

Parses the WCXB pages with the project's parser and computes each text's signature as ingest does,
then indexes `ArticleParsed` events (without entities: stories do not depend on them) with the real
`Indexer` and `DynamoIndex` on moto, one fresh table per run, the articles in a seeded random order:

- **Precision, distinct pages.** All the pages: any two in one story is a false merge.
- **Precision, halves.** Each page cut in two at a paragraph, both halves indexed as articles: twice
  as many distinct texts, every pair of halves from one site, template, author and topic.
- **Recall, per share of text kept.** Each page with one syndicated variant generated from it as
  syndication really changes a story, wrapped in another site's HTML and parsed again: another
  headline, another site's navigation, share bar, related links and footer, the last paragraphs
  cut to keep `--keep` of the words, a wire credit ("LONDON (Reuters) -", "By The Associated
  Press", ...), an editor's note or an extra paragraph, and a few words changed. Recall is the
  share of variants filed in their page's story; precision counts every other pair in a story.

Times are per article on one core: the signature (normalise, shingle, MinHash) on the page's text,
and the story look-up (the band Queries and the story's members) against moto, whose requests
cost more than DynamoDB's. Write units are billed as `bench/index.py` bills them, for the band and
story-member items only (the rest of the article's cost is `bench/index.py`'s).
"""

from __future__ import annotations

import argparse
import gzip
import html
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from index import item_size, write_units  # bench/index.py bills write units

SEED = 1205
"""Fixes the variants, their publication times and the arrival order."""

REPEATED_TEXT_JACCARD = 0.5
"""A page whose two halves share this much (exact Jaccard of their shingles) repeats its own text
(the article twice on the page, terms restated per region): its halves are copies, not distinct
texts. Three WCXB pages do (0.68 to 0.99); every other page's halves share under 0.1."""

CREDITS = (
    "{city} (Reuters) - ",
    "By The Associated Press\n\n",
    "{city} (AP) — ",
    "{city}, (AFP) - ",
    "This article originally appeared on {site}.\n\n",
)
CITIES = ("LONDON", "WASHINGTON", "NEW YORK", "PARIS", "SYDNEY", "TORONTO", "BERLIN", "TOKYO")
NOTES = (
    "Editor's note: This story has been updated with additional comment.",
    "Correction: An earlier version of this story misstated a date; it has been corrected.",
    "The company did not immediately respond to a request for comment on Tuesday.",
    "Reporting by staff; editing by the news desk. Our standards: the Trust Principles.",
    "Additional reporting contributed to this story, which was first published on the wire.",
)
SWAPS = ("said", "told", "reported", "noted", "the", "a", "several", "many", "new", "recent", "major", "local")
SITES = ("dailycourier.example", "metroherald.example", "thepostgazette.example", "newswire.example")


@dataclass
class Doc:
    name: str
    text: str
    group: str
    """Docs of one group are copies of one another (a page and its variants)."""
    published: datetime
    variant_of: str | None = None


@dataclass
class Run:
    label: str
    docs: list[Doc]
    stories: dict[str, str] = field(default_factory=dict)
    signature_ms: list[float] = field(default_factory=list)
    lookup_ms: list[float] = field(default_factory=list)
    lookup_requests: list[int] = field(default_factory=list)
    story_wcu: list[float] = field(default_factory=list)
    joined: list[bool] = field(default_factory=list)
    """Per article indexed, in order: whether it joined an earlier article's story."""


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n") if part.strip()]


def variant_html(text: str, title: str | None, keep: float, rng: random.Random) -> bytes:
    """A syndicated copy of a text keeping `keep` of its words, on another site's page."""
    kept: list[str] = []
    total = len(text.split())
    for paragraph in paragraphs(text):
        if kept and sum(len(part.split()) for part in kept) + len(paragraph.split()) / 2 > keep * total:
            break
        kept.append(paragraph)
    edited = []
    for paragraph in kept:
        words = paragraph.split()
        for _ in range(len(words) // 80):  # a word changed in ~80
            words[rng.randrange(len(words))] = rng.choice(SWAPS)
        edited.append(" ".join(words))
    site = rng.choice(SITES)
    credit = rng.choice(CREDITS).format(city=rng.choice(CITIES), site=site)
    if credit.endswith("\n\n"):  # a byline or origin line of its own
        edited.insert(0, credit.strip())
    else:  # a dateline starting the first paragraph
        edited[0] = credit + edited[0]
    note = rng.choice(NOTES)
    if rng.random() < 0.5:
        edited.append(note)
    else:
        edited.insert(rng.randrange(1, len(edited) + 1), note)
    headline = f"{rng.choice(('Update', 'Report', 'Analysis', 'World'))}: {title or edited[0][:60]}"
    body = "\n".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in edited)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)} | {site}</title><meta property="og:site_name" content="{site}"></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a>
<a href="/sport">Sport</a> <a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{html.escape(headline)}</h1>
<div class="byline">Wire staff · {rng.randrange(1, 28)} min read</div>
<div class="share"><a href="#">Share on Facebook</a> <a href="#">Share on X</a> <a href="#">Email</a></div>
{body}
</article>
<aside><h2>Related stories</h2><ul><li><a href="/a">Markets close higher as investors weigh rates</a></li>
<li><a href="/b">Weather service warns of storms across the region this weekend</a></li></ul></aside></main>
<footer><p>Sign up for our newsletter to get the day's top stories in your inbox every morning.</p>
<p>© 2025 {site}. All rights reserved.</p></footer></body></html>""".encode()


def page_urls(data: Path) -> dict[str, str]:
    """Each page's URL from the set's labels, without scheme, `www.` and trailing slash: two pages of
    one URL are one article fetched twice (the set holds such a pair), so copies, not distinct."""
    urls: dict[str, str] = {}
    if not (data / "truth.jsonl").exists():
        return urls  # pages without labels: each its own article
    with (data / "truth.jsonl").open(encoding="utf-8") as lines:
        labels = [json.loads(line) for line in lines if line.strip()]  # not splitlines(): texts hold U+2028
    for label in labels:
        url = str(label.get("url") or label["id"]).split("://", 1)[-1].removeprefix("www.").rstrip("/")
        urls[str(label["id"])] = url
    return urls


def jaccard(left: str, right: str) -> float:
    """The exact Jaccard similarity of two texts' shingles (what the signature estimates)."""
    from newsingest.stories.signature import shingles

    a, b = set(shingles(left)), set(shingles(right))
    return len(a & b) / len(a | b) if a | b else 0.0


def load_pages(data: Path, limit: int | None) -> list[tuple[str, Any]]:
    from newsingest.errors import RejectedInput
    from newsingest.parsing import parse_article

    pages = sorted((data / "html").glob("*.html.gz"))[:limit]
    parsed = []
    for page in pages:
        name = page.name.removesuffix(".html.gz")
        try:
            parsed.append((name, parse_article(gzip.decompress(page.read_bytes()), key=f"incoming/{name}.html")))
        except RejectedInput:
            continue
    return parsed


def index_run(run: Run, rng: random.Random) -> None:
    """Index the run's docs in a random order on a fresh moto table; record each doc's story."""
    from moto import mock_aws

    from newsingest.adapters.aws import client
    from newsingest.adapters.dynamodb import DynamoIndex
    from newsingest.events import article_parsed_event
    from newsingest.indexing.service import Indexer
    from newsingest.local import motofast
    from newsingest.local.demo import reset_caches
    from newsingest.local.stack import create_stack
    from newsingest.models import Article, SourceRef, article_id_for, hash_text
    from newsingest.stories.signature import signature_of

    class TimedIndex(DynamoIndex):
        lookup_s = 0.0
        lookups = 0

        def band_items(self, pks: list[str]) -> Any:
            started = time.perf_counter()
            try:
                return super().band_items(pks)
            finally:
                self.lookup_s += time.perf_counter() - started
                self.lookups += len(pks)

        def story_members(self, story_id: str) -> Any:
            started = time.perf_counter()
            try:
                return super().story_members(story_id)
            finally:
                self.lookup_s += time.perf_counter() - started
                self.lookups += 1

    order = list(run.docs)
    rng.shuffle(order)
    motofast.install()  # moto's own Query sorts the whole table: seconds per article at 10,000 items
    with mock_aws():
        reset_caches()
        stack = create_stack(client("s3"), client("sqs"), client("dynamodb"))
        dynamodb = client("dynamodb")
        store = TimedIndex(dynamodb, stack.table_name)
        indexer = Indexer(store)
        units: list[float] = [0.0]

        def meter(params: dict[str, Any], model: Any, **_: Any) -> None:
            if model.name == "BatchWriteItem":
                for requests in params["RequestItems"].values():
                    for request in requests:
                        put = request.get("PutRequest")
                        if put and put["Item"].get("kind", {}).get("S") in ("band", "story_member"):
                            units[0] += write_units(item_size(put["Item"]))

        dynamodb.meta.events.register("before-parameter-build.dynamodb.BatchWriteItem", meter)
        for doc in order:
            started = time.perf_counter()
            signature = signature_of(doc.text)
            run.signature_ms.append((time.perf_counter() - started) * 1000)
            digest = hash_text(doc.text)
            article = Article(
                id=article_id_for(digest),
                source=SourceRef(bucket=stack.bucket, key=f"incoming/{doc.name}"),
                format="html",
                published_at=doc.published,
                language="en",
                text=doc.text,
                word_count=len(doc.text.split()),
                content_sha256=digest,
                extractor_version="bench",
                signature=signature,
            )
            event = article_parsed_event(
                article,
                parsed_uri=f"s3://{stack.bucket}/parsed/x.ndjson",
                parsed_range="bytes=0-1",
                received_at=doc.published,
                processed_at=doc.published,
            )
            store.lookup_s, store.lookups, units[0] = 0.0, 0, 0.0
            indexer.apply(event)
            run.lookup_ms.append(store.lookup_s * 1000)
            run.lookup_requests.append(store.lookups)
            run.story_wcu.append(units[0])
            item = store.get_article(article.id)
            run.joined.append(item is not None and item.story_id not in (None, article.id))
        for doc in run.docs:
            item = store.get_article(article_id_for(hash_text(doc.text)))
            run.stories[doc.name] = (item.story_id or item.article_id) if item else ""


def score(run: Run) -> dict[str, Any]:
    """Pairs in one story that are copies (same group) or not; variants in their page's story."""
    by_story: dict[str, list[Doc]] = defaultdict(list)
    for doc in run.docs:
        by_story[run.stories[doc.name]].append(doc)
    true_pairs = false_pairs = 0
    false_examples: list[tuple[str, str]] = []
    for members in by_story.values():
        for left, right in itertools.combinations(members, 2):
            if left.group == right.group:
                true_pairs += 1
            else:
                false_pairs += 1
                false_examples.append((left.name, right.name))
    wrongly_merged = sum(
        1 for members in by_story.values() for doc in members if any(other.group != doc.group for other in members)
    )
    originals = {doc.name: doc for doc in run.docs if doc.variant_of is None}
    variants = [doc for doc in run.docs if doc.variant_of is not None]
    found = sum(1 for doc in variants if run.stories[doc.name] == run.stories[originals[str(doc.variant_of)].name])
    pairs = true_pairs + false_pairs
    return {
        "precision": true_pairs / pairs if pairs else 1.0,
        "false_pairs": false_pairs,
        "pairs": pairs,
        "wrongly_merged": wrongly_merged,
        "recall": found / len(variants) if variants else None,
        "variants": len(variants),
        "examples": false_examples[:5],
    }


def calibration(distinct: list[Run], variant_runs: list[Run]) -> str:
    """What SAME_STORY_JACCARD separates: the most similar distinct texts that share a band value (the
    only ones a look-up compares), and how similar the variants are to their pages."""
    from newsingest.stories.signature import signature_of
    from newsingest.stories.similarity import estimated_jaccard

    shared = 0
    closest = (0.0, 0.0)
    for run in distinct:
        signatures = {doc.name: signature_of(doc.text) for doc in run.docs}
        by_band: dict[str, list[Doc]] = defaultdict(list)
        for doc in run.docs:
            for band in signatures[doc.name].bands:
                by_band[band].append(doc)
        pairs = {
            (left.name, right.name): (left, right)
            for docs in by_band.values()
            for left, right in itertools.combinations(docs, 2)
            if left.group != right.group
        }
        shared += len(pairs)
        for left, right in pairs.values():
            estimate = estimated_jaccard(signatures[left.name].sketch, signatures[right.name].sketch)
            closest = max(closest, (estimate, jaccard(left.text, right.text)))
    estimates, exact = [], []
    for run in variant_runs:
        pages = {doc.name: doc for doc in run.docs if doc.variant_of is None}
        for doc in run.docs:
            if doc.variant_of is not None:
                page = pages[doc.variant_of]
                estimates.append(estimated_jaccard(signature_of(doc.text).sketch, signature_of(page.text).sketch))
                exact.append(jaccard(doc.text, page.text))
    estimates.sort()
    exact.sort()
    fifth = len(estimates) // 20
    return (
        f"Calibration: {shared} pairs of distinct texts share a band value; the most similar has an estimated "
        f"Jaccard of {closest[0]:.3f} (exact {closest[1]:.3f}). Variants keeping >= 70% against their page: "
        f"estimated Jaccard {estimates[fifth]:.3f} at the 5th percentile, {estimates[0]:.3f} at the least "
        f"(exact {exact[fifth]:.3f}, {exact[0]:.3f}). SAME_STORY_JACCARD lies between."
        if estimates
        else ""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/eval/wcxb-article-dev"))
    parser.add_argument("--limit", type=int, default=None, help="the first N pages only (a quick run)")
    parser.add_argument(
        "--keep", default="0.5,0.6,0.7,0.8,0.9,1.0", help="shares of the text the variants keep, one run each"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    from newsingest.local.demo import LOCAL_ENVIRONMENT
    from newsingest.parsing import parse_article
    from newsingest.stories.signature import MIN_STORY_WORDS, SCHEME
    from newsingest.stories.similarity import SAME_STORY_JACCARD

    os.environ.update(LOCAL_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    print(f"Parsing the pages of {args.data} ...", file=sys.stderr)
    pages = load_pages(args.data, args.limit)
    rng = random.Random(args.seed)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    urls = page_urls(args.data)
    originals = [
        Doc(
            name=name,
            text=article.text,
            group=urls.get(name, name),
            published=start + timedelta(minutes=rng.randrange(60 * 24 * 20)),
        )
        for name, article in pages
    ]
    same_url = len(originals) - len({doc.group for doc in originals})
    runs = [Run(label=f"distinct pages ({len(originals)})", docs=originals)]
    halves = []
    repeating = 0
    for doc in originals:
        parts = paragraphs(doc.text)
        if len(parts) < 2:
            continue
        cut = next(
            (n for n in range(1, len(parts)) if sum(len(p.split()) for p in parts[:n]) * 2 >= len(doc.text.split())),
            len(parts) - 1,
        )
        first, second = "\n\n".join(parts[:cut]), "\n\n".join(parts[cut:])
        repeats = jaccard(first, second) >= REPEATED_TEXT_JACCARD
        repeating += repeats
        for part, text in (("a", first), ("b", second)):
            group = f"{doc.group}#halves" if repeats else f"{doc.group}#{part}"
            halves.append(Doc(name=f"{doc.name}-{part}", text=text, group=group, published=doc.published))
    runs.append(Run(label=f"halves of pages ({len(halves)})", docs=halves))
    keeps = [float(value) for value in args.keep.split(",")]
    for keep in keeps:
        print(f"Generating variants keeping {keep:.0%} ...", file=sys.stderr)
        variants = []
        for (name, article), original in zip(pages, originals, strict=True):
            page = variant_html(article.text, article.title, keep, rng)
            try:
                copy = parse_article(page, key=f"incoming/{name}-copy.html")
            except Exception:
                copy = None
            text = copy.text if copy is not None else "(refused)"
            published = original.published + timedelta(minutes=rng.randrange(-6 * 60, 48 * 60))
            variants.append(
                Doc(name=f"{name}-copy", text=text, group=original.group, published=published, variant_of=name)
            )
        runs.append(Run(label=f"pages + variants keeping {keep:.0%}", docs=[*originals, *variants]))

    results = []
    for run in runs:
        print(f"Indexing: {run.label} ...", file=sys.stderr)
        index_run(run, random.Random(args.seed))
        results.append((run, score(run)))

    print(
        f"Stories on {args.data.name}: {len(originals)} pages, scheme {SCHEME}, "
        f"SAME_STORY_JACCARD {SAME_STORY_JACCARD}, MIN_STORY_WORDS {MIN_STORY_WORDS}, seed {args.seed}. "
        f"Copies by label: {same_url} page(s) of a URL another page has; {repeating} page(s) whose halves "
        f"repeat each other (exact Jaccard >= {REPEATED_TEXT_JACCARD}). Every other pair is distinct.\n"
    )
    print(
        "| run | articles | pairs in one story | of them not copies | precision (pairs) "
        "| articles in a story with a text not its copy | recall (variants in their page's story) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for run, result in results:
        recall = f"{result['recall']:.3f} ({result['variants']})" if result["recall"] is not None else "-"
        print(
            f"| {run.label} | {len(run.docs)} | {result['pairs']} | {result['false_pairs']} | "
            f"{result['precision']:.4f} | {result['wrongly_merged']} | {recall} |"
        )
    kept = [(keep, result) for keep, (_, result) in zip(keeps, results[2:], strict=True)]
    recall_70 = min((result["recall"] for keep, result in kept if keep >= 0.7), default=None)
    precision = min(result["precision"] for _, result in results)
    distinct = sum(len(run.docs) for run, _ in results[:2])
    wrong = sum(result["wrongly_merged"] for _, result in results[:2])
    print(
        f"\nPrecision: {precision:.4f} at the least over every run (target >= 0.995); {wrong} of the {distinct} "
        f"distinct texts (pages and halves) in a story with a text not its copy ({1 - wrong / distinct:.4f} kept "
        "apart)."
    )
    if recall_70 is not None:
        print(f"Recall on variants keeping >= 70% of the text: {recall_70:.3f} at the least (target >= 0.95).")
    variant_runs = [run for keep, (run, _) in zip(keeps, results[2:], strict=True) if keep >= 0.7]
    print(calibration([run for run, _ in results[:2]], variant_runs))
    everything = [run for run, _ in results]
    signature = [ms for run in everything for ms in run.signature_ms]
    lookup = [ms for run in everything for ms in run.lookup_ms]
    requests = [n for run in everything for n in run.lookup_requests]
    wcu = [units for run in everything for units in run.story_wcu]
    wcu_own = [
        units for run in everything for units, joined in zip(run.story_wcu, run.joined, strict=True) if not joined
    ]
    wcu_copy = [units for run in everything for units, joined in zip(run.story_wcu, run.joined, strict=True) if joined]
    print("\n| per article | mean | median | p90 |")
    print("|---|---:|---:|---:|")
    for label, values in (
        ("signature (normalise, shingle, MinHash), ms", signature),
        ("story look-up on moto (band Queries, members), ms", lookup),
        ("story look-up requests", requests),
        ("story write units (band and member items), every article", wcu),
        ("the same, an article starting a story", wcu_own),
        ("the same, an article joining a story", wcu_copy),
    ):
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(f"| {label} | {statistics.mean(values):.3f} | {statistics.median(values):.3f} | {p90:.3f} |")
    for run, result in results:
        if result["examples"]:
            print(f"\nFalse merges in {run.label} (first 5): {result['examples']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

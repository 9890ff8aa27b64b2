"""One entity per thing an article names: grouping mentions, their type, name and id.

Mentions are grouped by the slug of their text, so case, diacritics, spacing and full stops do
not split a name ("NATO"/"Nato", "U.S."/"US"). A group's type is the majority of its mentions'
types: the model labels the same word differently by context ("Belarus" as a country and,
at a sentence start, as an organisation).

A person named by surname alone ("Stoltenberg", after "Mr" was trimmed) joins the one person
in the same article whose full name ends with that surname ("Jens Stoltenberg"). First names
alone are not joined: news copy names people by surname, so a lone first name is more often a
different person (a relative, a child quoted by first name) than a reference to the same one.
When two full names share the surname ("George Bush", "Jeb Bush"), the surname stays apart.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from newsingest.entities.labels import TYPE_PRECEDENCE
from newsingest.models import EntityType

UNSLUGGABLE_HASH_CHARS = 12
"""Hex digits of the fallback slug for names with no ASCII letters or digits (e.g. in Cyrillic):
48 bits, so two different such names in one archive practically never share an id."""

_NOT_DECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ı": "i"}
    | {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH"}
)
"""Latin letters that NFKD leaves whole: without this, "Łódź" would slug to "odz"."""

_NON_ALPHANUMERIC_RUN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class TypedMention:
    """A cleaned mention with the type the model gave it there."""

    start: int
    end: int
    text: str
    type: EntityType


@dataclass(slots=True)
class MentionGroup:
    """The mentions of one entity, with its resolved type and canonical name."""

    key: str
    type: EntityType
    name: str
    mentions: list[TypedMention] = field(default_factory=list)

    @property
    def first_start(self) -> int:
        return self.mentions[0].start


def slugify(name: str) -> str:
    """Lowercase ASCII, runs of other characters as one '-'; full stops dropped ("U.S." -> "us").

    Names without any ASCII letter or digit get a stable hash instead of an empty slug.
    """
    decomposed = unicodedata.normalize("NFKD", name.translate(_NOT_DECOMPOSED).replace(".", ""))
    ascii_name = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _NON_ALPHANUMERIC_RUN.sub("-", ascii_name.lower()).strip("-")
    if slug:
        return slug
    digest = hashlib.sha256(unicodedata.normalize("NFC", name).casefold().encode()).hexdigest()
    return "u" + digest[:UNSLUGGABLE_HASH_CHARS]


def entity_id(entity_type: EntityType, name: str) -> str:
    """`<type>:<slug>`, e.g. `person:vladimir-putin`: the same across articles for the same name."""
    return f"{entity_type.value}:{slugify(name)}"


def canonical_name(forms: Sequence[str]) -> str:
    """The fullest form: most words, then most frequent, then first seen."""
    counts = Counter(forms)
    first_seen = {form: index for index, form in reversed(list(enumerate(forms)))}
    return min(counts, key=lambda form: (-len(form.split()), -counts[form], first_seen[form]))


def majority_type(types: Sequence[EntityType]) -> EntityType:
    """The most frequent type; ties go to the earlier type in `TYPE_PRECEDENCE`."""
    counts = Counter(types)
    return min(counts, key=lambda entity_type: (-counts[entity_type], TYPE_PRECEDENCE.index(entity_type)))


def group_mentions(mentions: Iterable[TypedMention]) -> list[MentionGroup]:
    """Group mentions into entities, in order of first mention."""
    by_key: dict[str, list[TypedMention]] = {}
    for mention in sorted(mentions, key=lambda mention: mention.start):
        by_key.setdefault(slugify(mention.text), []).append(mention)
    groups = [
        MentionGroup(
            key=key,
            type=majority_type([mention.type for mention in members]),
            name=canonical_name([mention.text for mention in members]),
            mentions=members,
        )
        for key, members in by_key.items()
    ]
    return _join_surnames(groups)


def _join_surnames(groups: list[MentionGroup]) -> list[MentionGroup]:
    people_by_surname: dict[str, list[MentionGroup]] = {}
    for group in groups:
        words = group.name.split()
        if group.type is EntityType.PERSON and len(words) > 1:
            people_by_surname.setdefault(slugify(words[-1]), []).append(group)
    joined: list[MentionGroup] = []
    for group in groups:
        full_names = people_by_surname.get(group.key, [])
        if group.type is EntityType.PERSON and len(group.name.split()) == 1 and len(full_names) == 1:
            full_name = full_names[0]
            full_name.mentions = sorted([*full_name.mentions, *group.mentions], key=lambda m: m.start)
            full_name.name = canonical_name([mention.text for mention in full_name.mentions])
        else:
            joined.append(group)
    return sorted(joined, key=lambda group: group.first_start)

"""One entity per thing an article names: mentions grouped by slug ("U.S."/"US"), typed by majority
(the model labels a word by context), joined by surname and through the alias table; the rules
and their reasons are in docs/notes/parsing-and-entities.md."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from newsingest.entities.labels import TYPE_PRECEDENCE
from newsingest.models import EntityType

if TYPE_CHECKING:
    from newsingest.entities.aliases import KnownEntity

UNSLUGGABLE_HASH_CHARS = 12
"""For names with no ASCII letter or digit (Cyrillic): 48 bits, so two practically never share an id."""

_NOT_DECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ı": "i"}
    | {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH"}
)
"""Latin letters that NFKD leaves whole: without this, "Łódź" would slug to "odz"."""

SLUG_CACHE_SIZE = 8192
"""Names recur within and across a warm Lambda's articles; 8,192 short strings take well under 1 MB."""

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
    key: str
    type: EntityType
    name: str
    mentions: list[TypedMention] = field(default_factory=list)
    known: KnownEntity | None = None

    @property
    def first_start(self) -> int:
        return self.mentions[0].start


@lru_cache(maxsize=SLUG_CACHE_SIZE)
def slugify(name: str) -> str:
    """Lowercase ASCII, other runs as one '-', full stops dropped ("U.S." -> "us"); a stable hash
    for names without an ASCII letter or digit."""
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
    counts = Counter(types)
    return min(counts, key=lambda entity_type: (-counts[entity_type], TYPE_PRECEDENCE.index(entity_type)))


def group_mentions(
    mentions: Iterable[TypedMention],
    *,
    lookup: Callable[[str], KnownEntity | None] | None = None,
    same_as: Mapping[str, str] | None = None,
) -> list[MentionGroup]:
    """Entities in order of first mention. `lookup` is `AliasTable.lookup`; `same_as` maps the slug
    of an abbreviation the article defines to its full name's."""
    same_as = same_as or {}
    by_key: dict[str, list[TypedMention]] = {}
    for mention in sorted(mentions, key=lambda mention: mention.start):
        slug = slugify(mention.text)
        by_key.setdefault(same_as.get(slug, slug), []).append(mention)
    groups = [
        MentionGroup(
            key=key,
            type=majority_type([mention.type for mention in members]),
            name=canonical_name([mention.text for mention in members]),
            mentions=members,
        )
        for key, members in by_key.items()
    ]
    # surnames first: an article's own "Melania Trump" keeps her "Trump" from the table's Donald Trump
    groups = _join_surnames(groups, lookup)
    if lookup is not None:
        groups = _join_known(groups, lookup)
    return sorted(groups, key=lambda group: group.first_start)


def _join_surnames(
    groups: list[MentionGroup], lookup: Callable[[str], KnownEntity | None] | None
) -> list[MentionGroup]:
    """A one-word name joins the one full name of a person that ends with it; lone first names
    are not joined (news names people by surname), nor a surname two people share."""
    people_by_surname: dict[str, list[MentionGroup]] = {}
    for group in groups:
        words = group.name.split()
        if group.type is EntityType.PERSON and len(words) > 1:
            people_by_surname.setdefault(slugify(words[-1]), []).append(group)
    joined: list[MentionGroup] = []
    for group in groups:
        full_names = people_by_surname.get(group.key, [])
        if len(group.name.split()) == 1 and len(full_names) == 1 and _may_be_surname(group, lookup):
            full_name = full_names[0]
            full_name.mentions = sorted([*full_name.mentions, *group.mentions], key=lambda m: m.start)
            full_name.name = canonical_name([mention.text for mention in full_name.mentions])
        else:
            joined.append(group)
    return joined


def _may_be_surname(group: MentionGroup, lookup: Callable[[str], KnownEntity | None] | None) -> bool:
    """Typed a person, or otherwise but not known as something else ("Kraft" the company next to
    "Matthew Kraft"; not "Washington" next to "Joe Washington")."""
    if group.type is EntityType.PERSON:
        return True
    if lookup is None:
        return False
    known = lookup(group.name)
    return known is None or known.type is EntityType.PERSON


def _join_known(groups: list[MentionGroup], lookup: Callable[[str], KnownEntity | None]) -> list[MentionGroup]:
    by_id: dict[str, MentionGroup] = {}
    joined: list[MentionGroup] = []
    for group in groups:
        known = _known_entity(group, lookup)
        if known is None:
            joined.append(group)
            continue
        if known.id in by_id:
            target = by_id[known.id]
            target.mentions = sorted([*target.mentions, *group.mentions], key=lambda m: m.start)
            continue
        group.known, group.name, group.type = known, known.name, known.type
        by_id[known.id] = group
        joined.append(group)
    return joined


def _known_entity(group: MentionGroup, lookup: Callable[[str], KnownEntity | None]) -> KnownEntity | None:
    """For the group's name, else its most frequent known form."""
    if (known := lookup(group.name)) is not None:
        return known
    for form, _ in Counter(mention.text for mention in group.mentions).most_common():
        if (known := lookup(form)) is not None:
            return known
    return None

"""The alias table (`newsingest/data/aliases.tsv`; format, source and use in `newsingest/data/README.md`):
the real-world entities the package knows by name, so that "Putin" and "Vladimir Putin" get one id
in every article and the table's type wins over the model's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from newsingest.entities.canonical import entity_id, slugify
from newsingest.entities.cleanup import HONORIFICS, stop_words
from newsingest.models import EntityType

TABLE_FILE = "aliases.tsv"
"""In `newsingest.data`, shipped in the wheel and the Lambda artifact."""

_VERSION_LINE = re.compile(r"#\s*version:\s*(\S+)")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)[^\S\n]+\Z")
_WORD_AFTER = re.compile(r"[^\S\n]+([^\W\d_][\w'’.-]*)")
_ENDS_CLAUSE = re.compile(r"(?:[,;:!?]|[^\W\d_]{2}[a-z]\.)['’\"”)]*\Z")
"""Ends a clause ("DevOcean.", "Yes," but not "U.S."): what follows is no part of the same name."""
_PLACE_COMMA = re.compile(r"([A-Z][\w'’.-]*),[^\S\n]+\Z")


_Trie = dict[str, "_Trie"]
"""A character trie: each key is a next character; the key "" marks the end of a form."""


class AliasTableError(ValueError):
    """The alias table file is malformed: a packaging or editing error, never input-dependent."""


@dataclass(frozen=True, slots=True)
class KnownEntity:
    id: str
    name: str
    type: EntityType
    qid: str | None
    aliases: tuple[str, ...] = ()
    """The table's other names for it ("US", "U.S.", "America" for the United States)."""


@dataclass(frozen=True, slots=True)
class AliasMatch:
    start: int
    end: int
    entity: KnownEntity


class AliasTable:
    def __init__(self, text: str) -> None:
        self.version = ""
        self._by_slug: dict[str, KnownEntity] = {}
        self._by_form: dict[str, KnownEntity] = {}
        self._by_code: dict[str, KnownEntity] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if match := _VERSION_LINE.match(line):
                self.version = match.group(1)
            if not line.strip() or line.startswith("#"):
                continue
            self._add(line, number)
        if not self.version:
            raise AliasTableError("alias table has no '# version:' line")
        self._forms = _alternation(self._by_form)
        self._codes = _alternation(self._by_code)

    def _add(self, line: str, number: int) -> None:
        columns = line.split("\t")
        if len(columns) < 3 or len(columns) > 5:
            raise AliasTableError(f"alias table line {number}: expected 3-5 tab-separated columns")
        try:
            entity_type = EntityType(columns[0])
        except ValueError:
            raise AliasTableError(f"alias table line {number}: unknown type {columns[0]!r}") from None
        name, qid = columns[1], columns[2]
        aliases = _names(columns[3]) if len(columns) > 3 else []
        codes = _names(columns[4]) if len(columns) > 4 else []
        entity = KnownEntity(
            id=entity_id(entity_type, name),
            name=name,
            type=entity_type,
            qid=None if qid == "-" else qid,
            aliases=tuple(dict.fromkeys([*aliases, *codes])),
        )
        for form in [name, *aliases]:
            self._index(form, entity, number)
        for code in codes:
            self._by_code[code] = entity

    def _index(self, form: str, entity: KnownEntity, number: int) -> None:
        bare = _LEADING_THE.sub("", form)
        slug = slugify(bare)
        known = self._by_slug.get(slug)
        if known is not None and known.id != entity.id:
            raise AliasTableError(f"alias table line {number}: {form!r} already names {known.id}")
        self._by_slug[slug] = entity
        self._by_form[bare] = entity

    def __len__(self) -> int:
        return len({entity.id for entity in self._by_slug.values()})

    def lookup(self, name: str) -> KnownEntity | None:
        """The entity `name` refers to, compared by slug (case, full stops, leading "the" aside)."""
        return self._by_slug.get(slugify(_LEADING_THE.sub("", name)))

    def find(self, text: str) -> list[AliasMatch]:
        """Every alias in `text` that stands alone ("Jordan" not in "Michael Jordan"), even where the
        model missed it; postal codes and state abbreviations ("TX") only right after "Place, "."""
        matches = [
            AliasMatch(match.start(), match.end(), self._by_form[match.group()])
            for match in self._forms.finditer(text)
            if stands_alone(text, match.start(), match.end())
        ]
        for match in self._codes.finditer(text):
            before = _PLACE_COMMA.search(text, max(0, match.start() - 40), match.start())
            if before and not is_function_word(before.group(1)) and stands_alone(text, match.start(), match.end()):
                matches.append(AliasMatch(match.start(), match.end(), self._by_code[match.group()]))
        return sorted(matches, key=lambda match: match.start)


def _names(column: str) -> list[str]:
    return [name.strip() for name in column.split("|") if name.strip() and name.strip() != "-"]


def _alternation(forms: dict[str, KnownEntity]) -> re.Pattern[str]:
    """Whole words only, as a trie: a flat alternation of ~1,500 forms is 10 times slower."""
    trie: _Trie = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(rf"(?<![\w.])(?:{_trie_pattern(trie)})(?![\w]|\.\w)")


def _trie_pattern(node: _Trie) -> str:
    """A regex for the strings in `node`; longer matches are tried first, so the longest wins."""
    ends = "" in node
    branches = [re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:
        return f"(?:{body})?"
    return body


def stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer capitalised name; function words, titles or punctuation may adjoin it."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    after = _WORD_AFTER.match(text, end)
    before_is_name = before is not None and not _ENDS_CLAUSE.search(before.group(1)) and _is_name_word(before.group(1))
    return not before_is_name and not (after and _is_name_word(after.group(1)))


def _is_name_word(word: str) -> bool:
    return word[0].isupper() and not is_function_word(word) and word.rstrip(".") not in _TITLE_WORDS


def is_function_word(word: str) -> bool:
    """A capitalised stop word ("The", "In", "But"): it starts sentences, it names nothing."""
    return word.lower() in stop_words()


_TITLE_WORDS = frozenset(part for title in HONORIFICS for word in title.split() for part in (word, *word.split("-")))
"""A title next to a known name is no part of it ("NATO Secretary-General", "President Putin")."""


@lru_cache(maxsize=1)
def alias_table() -> AliasTable:
    text = resources.files("newsingest").joinpath("data").joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return AliasTable(text)

"""Look-up keys for entity names: what the name index stores so that "putin", "vladimir pu",
"u.s.", "o'neill" and "martinez" find their entities. A key is a run of a name's last words in
look-up form (case, accents and punctuation folded), so a prefix query on the keys matches the
start of any word of any name or alias, and several words in order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

NAME_KEY_MAX_WORDS = 8
"""Keys start at one of a name's first 8 words: longer names are titles of laws and events, whose
later words nobody types first."""

NAME_KEY_MAX_CHARS = 120
"""Keeps a name item, with its form and entity id, well under one write unit."""

JOINING_MARKS = "'’ʼ`´."
"""Dropped, not spaced: "O'Neill" is typed "oneill" as often as "o'neill", "U.S." as "us"."""

NOT_A_FIRST_WORD = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "da",
        "de",
        "del",
        "della",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "el",
        "for",
        "in",
        "la",
        "las",
        "le",
        "les",
        "los",
        "of",
        "on",
        "the",
        "to",
        "van",
        "von",
        "y",
    ]
)
"""Words a key does not start with (unless the name does): nobody looks up "of america"."""

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
_JOINING = str.maketrans("", "", JOINING_MARKS)


def lookup_form(text: str) -> str:
    """Casefolded, accents and joining marks dropped, every other run of non-alphanumerics one
    space: "Martínez-Beltrán" -> "martinez beltran", "U.S." -> "us"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_JOINING))
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub(" ", ascii_text).strip()


def name_keys(form: str) -> list[str]:
    """The keys of one name: the whole name in look-up form, and each run of its last words that
    starts at a word one might type first ("vladimir putin", "putin")."""
    words = lookup_form(form).split()
    keys = []
    for start, word in enumerate(words[:NAME_KEY_MAX_WORDS]):
        if start and word in NOT_A_FIRST_WORD:
            continue
        key = " ".join(words[start:])[:NAME_KEY_MAX_CHARS].rstrip()
        if key and key not in keys:
            keys.append(key)
    return keys


def keys_by_form(forms: Sequence[str]) -> dict[str, str]:
    """Each key of the forms with the form it shows: the form that is the whole key ("America"
    rather than "United States of America" for "america"), else the first that gives it (list the
    canonical name first)."""
    found: dict[str, str] = {}
    for form in forms:
        if whole := lookup_form(form)[:NAME_KEY_MAX_CHARS].rstrip():
            found.setdefault(whole, form)
    for form in forms:
        for key in name_keys(form):
            found.setdefault(key, form)
    return found

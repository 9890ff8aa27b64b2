"""Which versions made an article and its index items: the extractor (this package), the entity
model and the alias table, as one short `made_by` string on every item
(`0.1.0/en_core_web_sm-3.8.0/2026.12.0`, `-` for a step that did not run), and the order in which
`newsingest reindex --older-than` compares versions (docs/design.md#re-indexing)."""

from __future__ import annotations

import re
from dataclasses import dataclass

NOT_RUN = "-"
"""Stands for a version in `made_by` when its step did not run (no entities for a non-English text)."""

SEPARATOR = "/"

_RUNS = re.compile(r"(\d+)|(\D+)")


def made_by(extractor_version: str, entity_model: str | None, alias_table_version: str | None) -> str:
    """The three versions as one string: ~36 characters, under 50 bytes on an item with its name."""
    return SEPARATOR.join([extractor_version or NOT_RUN, entity_model or NOT_RUN, alias_table_version or NOT_RUN])


def version_key(version: str | None) -> tuple[tuple[int, int | str], ...]:
    """Orders versions as people number them: digit runs as numbers (`0.10.0` after `0.9.1`,
    `2027.1.0` after `2026.12.0`), the rest as text; a step that did not run before any version."""
    if version is None or version == NOT_RUN:
        return ()
    return tuple((0, int(digits)) if digits else (1, text) for digits, text in _RUNS.findall(version))


@dataclass(frozen=True)
class Provenance:
    """The versions that made an article (`extractor`, `model`, `aliases`)."""

    extractor: str
    model: str | None = None
    aliases: str | None = None

    @property
    def made_by(self) -> str:
        return made_by(self.extractor, self.model, self.aliases)

    @classmethod
    def parse(cls, text: str) -> Provenance:
        """The inverse of `made_by` (a missing part reads as not run)."""
        parts = [None if part in ("", NOT_RUN) else part for part in text.split(SEPARATOR, 2)]
        parts += [None] * (3 - len(parts))
        return cls(extractor=parts[0] or NOT_RUN, model=parts[1], aliases=parts[2])

"""Direct quotations and who said them.

Quotations are found paragraph by paragraph (paragraphs are separated by blank lines):
- between double quote marks, curly (“...”) or straight ("..."), in either combination;
- a quotation still open at the end of its paragraph runs to the paragraph's end, and the next
  paragraph continues it when it opens with a quote mark (the news convention for quoting several
  paragraphs: each opens with a mark, only the last closes). Each paragraph is one `Quote`; the
  continuations have the speaker of the paragraph that introduced the quotation;
- a quote block, a paragraph whose every line starts with ">", is one quotation.
Quoted single words and titles ("elite", “This Is Spinal Tap”) are scare quotes and names, not
quotations: at least `MIN_QUOTE_WORDS` words, not all capitalised.

The speaker is resolved where the text says who, to an entity of the article:
- after the quotation: `"...," said X`, `"...," X said`, `"...," she said`;
- before it, in the same sentence: `X said: "..."`, `X told the press conference: "..."`,
  `X wrote: "..."`, `X warned that ... a "..."`: the person or organisation named nearest before
  the speech verb, or a pronoun right before it when that is nearer;
- a pronoun (he, she) is the most recent person named in the article's prose (not in headline or
  link lines), preferring those whose gender the text shows (a "Ms"/"Mr" title, or an earlier
  "she"/"he" resolved to them) to agree with the pronoun: "She wrote:" after "Ms Bickauskaite".
- a paragraph that is one quotation and says nothing of its speaker, right after a paragraph that
  ends with an attributed quotation, continues that speaker (a second quoted paragraph).
Otherwise (`the source said`, `an official told ...`) the speaker stays unresolved (None).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace

from newsingest.entities.nlp import text_chunks
from newsingest.models import Entity, EntityType, Quote

MIN_QUOTE_WORDS = 2
"""Shorter quoted text is a term or a scare quote (“accomplice”), not a quotation."""

MAX_WORK_TITLE_WORDS = 8
"""Quoted text of up to this many words, all capitalised and without final punctuation, is a
title ("Knives Out", "The Tortured Poets Department")."""

TAIL_WORDS = 8
"""An attribution after a quotation ("," said the NATO Secretary-General Jens Stoltenberg) names its
verb within this many words of the closing mark."""

SPEECH_VERBS = frozenset(
    {"said", "says", "say", "told", "tells", "wrote", "writes", "added", "adds", "explained", "explains",
     "asked", "asks", "warned", "warns", "stated", "states", "noted", "notes", "argued", "argues",
     "continued", "continues", "replied", "replies", "responded", "answered", "insisted", "claimed",
     "claims", "declared", "announced", "commented", "remarked", "recalled", "urged", "inquired",
     "suggested", "acknowledged", "admitted", "cautioned", "stressed", "emphasised", "emphasized",
     "observed", "concluded", "tweeted", "posted", "testified", "believes", "thinks", "recounted"}
)  # fmt: skip
"""Verbs that introduce or follow a direct quotation in news copy."""

PRONOUN_GENDERS = {"he": "m", "she": "f", "they": None}
MALE_TITLES = frozenset({"Mr", "Sir", "Lord", "King", "Prince", "Father", "Brother"})
FEMALE_TITLES = frozenset({"Ms", "Mrs", "Miss", "Dame", "Lady", "Queen", "Princess", "Sister"})

SPEAKER_TYPES = (EntityType.PERSON, EntityType.ORGANIZATION)
"""Who can be quoted: people, and organisations speaking through a statement."""

_OPENERS = '“"'
_CLOSERS = '”"'
_WORD = re.compile(r"[\w'’-]+")
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)[.!?]['’\"”)]*\s+")
_PROSE_END = re.compile(r"[.!?:;\"”’)]\s*\Z")
_TITLE_BEFORE = re.compile(r"(\w+)\.?\s+\Z")


@dataclass(frozen=True, slots=True)
class _Quotation:
    start: int
    end: int
    opened_at: int
    closed_at: int | None
    paragraph: int
    continues: bool
    whole_paragraph: bool


@dataclass(frozen=True, slots=True)
class _Named:
    start: int
    end: int
    entity: Entity


def find_quotes(text: str, entities: Sequence[Entity]) -> list[Quote]:
    """The direct quotations of `text`, in text order, with speakers among `entities`."""
    quotations = _quotations(text)
    if not quotations:
        return []
    resolver = _Speakers(text, entities)
    quotes: list[Quote] = []
    previous: _Quotation | None = None
    previous_speaker: Entity | None = None
    for quotation in quotations:
        speaker: Entity | None
        if quotation.continues and previous is not None:
            speaker = previous_speaker
        else:
            speaker = resolver.speaker_of(quotation)
            if speaker is None and previous is not None and _continues(text, previous, quotation):
                speaker = previous_speaker
        quotes.append(
            Quote(
                text=text[quotation.start : quotation.end],
                start=quotation.start,
                end=quotation.end,
                speaker_id=speaker.id if speaker else None,
                speaker_name=speaker.name if speaker else None,
            )
        )
        previous, previous_speaker = quotation, speaker
    return quotes


def _continues(text: str, previous: _Quotation, quotation: _Quotation) -> bool:
    """Whether an unattributed quotation goes on with the previous one's speaker: the next
    quotation in the same paragraph when it starts a sentence (not a quoted term inside one), or
    a paragraph that is one quotation right after the previous one's."""
    if previous.paragraph == quotation.paragraph:
        between = text[previous.end : quotation.opened_at].strip(' "”')
        return not between or between[-1] in ".!?"
    return quotation.whole_paragraph and previous.paragraph == quotation.paragraph - 1


def _quotations(text: str) -> list[_Quotation]:
    found: list[_Quotation] = []
    open_at_paragraph_end = False
    for paragraph, (offset, chunk) in enumerate(text_chunks(text)):
        lines = chunk.splitlines()
        if all(line.lstrip().startswith(">") for line in lines):
            start = offset + chunk.index(">") + 1
            block = _Quotation(start, offset + len(chunk), start - 1, None, paragraph, False, True)
            found += _kept([_trimmed(text, block)], text)
            open_at_paragraph_end = False
            continue
        continues = open_at_paragraph_end and chunk[0] in _OPENERS
        in_paragraph, open_at_paragraph_end = _marked(chunk, offset, paragraph, continues)
        found += _kept(in_paragraph, text)
    return found


def _marked(chunk: str, offset: int, paragraph: int, continues: bool) -> tuple[list[_Quotation], bool]:
    """Quotations between marks in one paragraph, and whether one is left open at its end."""
    found: list[_Quotation] = []
    opened: int | None = None
    for index, char in enumerate(chunk):
        if opened is None and char in _OPENERS:
            opened = index + 1
        elif opened is not None and char in _CLOSERS:
            found.append(_quotation(chunk, offset, opened, index, paragraph, continues and not found))
            opened = None
        elif opened is not None and char == "“":
            opened = index + 1
    if opened is not None and opened < len(chunk):
        found.append(_quotation(chunk, offset, opened, None, paragraph, continues and not found))
        return found, True
    return found, False


def _quotation(
    chunk: str, offset: int, opened: int, closed_at: int | None, paragraph: int, continues: bool
) -> _Quotation:
    """The quotation between the mark before `opened` and the one at `closed_at` (None: open to
    the paragraph's end), offsets into the whole text."""
    end = len(chunk) if closed_at is None else closed_at
    after = "" if closed_at is None else chunk[closed_at + 1 :]
    whole = not chunk[: opened - 1].strip() and not after.strip(" .,")
    return _Quotation(
        offset + opened,
        offset + end,
        offset + opened - 1,
        None if closed_at is None else offset + closed_at,
        paragraph,
        continues,
        whole,
    )


def _trimmed(text: str, quotation: _Quotation) -> _Quotation:
    start, end = quotation.start, quotation.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return replace(quotation, start=start, end=end)


def _kept(quotations: list[_Quotation], text: str) -> list[_Quotation]:
    trimmed = [_trimmed(text, quotation) for quotation in quotations]
    return [
        quotation
        for quotation in trimmed
        if quotation.continues or _is_quotation(text[quotation.start : quotation.end])
    ]


def _is_quotation(quoted: str) -> bool:
    words = quoted.split()
    if len(words) < MIN_QUOTE_WORDS:
        return False
    is_title = (
        len(words) <= MAX_WORK_TITLE_WORDS
        and all(word[0].isupper() or not word[0].isalpha() for word in words)
        and quoted.rstrip()[-1:] not in ".!?,"
    )
    return not is_title


class _Speakers:
    """Resolves speakers against the article's people and organisations."""

    def __init__(self, text: str, entities: Sequence[Entity]) -> None:
        self._text = text
        named = [
            _Named(mention.start, mention.end, entity)
            for entity in entities
            if entity.type in SPEAKER_TYPES
            for mention in entity.mentions
        ]
        self._named = sorted(named, key=lambda named: named.start)
        self._starts = [named.start for named in self._named]
        self._genders: dict[str, str] = {}
        for item in self._named:
            if item.entity.type is EntityType.PERSON and (gender := self._title_gender(item)):
                self._genders.setdefault(item.entity.id, gender)

    def _title_gender(self, named: _Named) -> str | None:
        first_word = self._text[named.start : named.end].split()[0]
        before = _TITLE_BEFORE.search(self._text, max(0, named.start - 12), named.start)
        for word in (before.group(1) if before else "", first_word):
            if word in MALE_TITLES:
                return "m"
            if word in FEMALE_TITLES:
                return "f"
        return None

    def speaker_of(self, quotation: _Quotation) -> Entity | None:
        head_start = self._sentence_start(quotation.opened_at)
        if self._text[head_start : quotation.opened_at].strip():
            said, speaker = self._before(head_start, quotation.opened_at)
            if said and speaker is not None:
                return speaker
        ends_sentence = self._text[quotation.start : quotation.end].rstrip()[-1:] == "."
        if quotation.closed_at is not None and not ends_sentence:
            return self._after(quotation.closed_at + 1)[1]
        return None

    def _sentence_start(self, position: int) -> int:
        """Where the sentence holding `position` starts: after the last sentence end, closing
        quote mark or line break before it."""
        window_start = max(0, position - 400)
        window = self._text[window_start:position]
        start = window_start
        for match in _SENTENCE_END.finditer(window):
            start = window_start + match.end()
        for mark in ("\n", "”"):
            if mark in window:
                start = max(start, window_start + window.rfind(mark) + 1)
        return start

    def _before(self, start: int, end: int) -> tuple[bool, Entity | None]:
        """(whether a speech verb leads into the quotation, its subject) from `start` to the mark."""
        verbs = [word for word in _WORD.finditer(self._text, start, end) if word.group().lower() in SPEECH_VERBS]
        if not verbs:
            return False, None
        verb = verbs[-1]
        named = self._named_between(start, verb.start())
        pronoun = self._pronoun_before(verb.start(), start)
        if pronoun is not None and (not named or pronoun[0] > named[-1].end):
            return True, self._resolve(pronoun[1], pronoun[0])
        return True, self._best(named, nearest_last=True)

    def _after(self, close: int) -> tuple[bool, Entity | None]:
        """(whether a speech verb follows the quotation, its subject) from the closing mark on."""
        words = list(_WORD.finditer(self._text, close, min(len(self._text), close + 200)))[:TAIL_WORDS]
        verbs = [word for word in words if word.group().lower() in SPEECH_VERBS]
        if not verbs or "\n" in self._text[close : verbs[0].start()]:
            return False, None
        verb = verbs[0]
        limit = self._tail_end(verb.end())
        for candidates, nearest_last in (
            (self._named_between(close, verb.start()), True),
            (self._named_between(verb.end(), limit), False),
        ):
            if candidates:
                return True, self._best(candidates, nearest_last=nearest_last)
        pronoun = self._pronoun_before(verb.start(), close) or self._pronoun_after(verb.end(), limit)
        return True, self._resolve(pronoun[1], pronoun[0]) if pronoun else None

    def _tail_end(self, position: int) -> int:
        end = len(self._text)
        for pattern in (_SENTENCE_END, re.compile('[“"\n]')):
            if match := pattern.search(self._text, position):
                end = min(end, match.start())
        return end

    def _named_between(self, start: int, end: int) -> list[_Named]:
        index = bisect_left(self._starts, start)
        found: list[_Named] = []
        while index < len(self._named) and self._named[index].start < end:
            if self._named[index].end <= end:
                found.append(self._named[index])
            index += 1
        return found

    def _best(self, candidates: list[_Named], *, nearest_last: bool) -> Entity | None:
        """The person nearest the verb, else the organisation nearest it."""
        ordered = list(reversed(candidates)) if nearest_last else candidates
        people = [item for item in ordered if item.entity.type is EntityType.PERSON]
        best = people or ordered
        return best[0].entity if best else None

    def _pronoun_before(self, verb_start: int, limit: int) -> tuple[int, str] | None:
        """A pronoun among the two words before the verb ("she wrote", "he also said")."""
        words = list(_WORD.finditer(self._text, max(limit, verb_start - 40), verb_start))[-2:]
        for word in reversed(words):
            if word.group().lower() in PRONOUN_GENDERS:
                return word.start(), word.group().lower()
        return None

    def _pronoun_after(self, verb_end: int, limit: int) -> tuple[int, str] | None:
        word = _WORD.search(self._text, verb_end, limit)
        if word and word.group().lower() in PRONOUN_GENDERS:
            return word.start(), word.group().lower()
        return None

    def _resolve(self, pronoun: str, position: int) -> Entity | None:
        """The most recent person in prose before `position`, gender-agreeing ones first."""
        gender = PRONOUN_GENDERS[pronoun]
        people = [
            item
            for item in self._named[: bisect_left(self._starts, position)]
            if item.entity.type is EntityType.PERSON and self._in_prose(item.start)
        ]
        people.reverse()
        known = [item for item in people if gender is not None and self._genders.get(item.entity.id) == gender]
        unknown = [item for item in people if gender is None or item.entity.id not in self._genders]
        if not (known or unknown):
            return None
        chosen = (known or unknown)[0]
        if gender is not None:
            self._genders.setdefault(chosen.entity.id, gender)
        return chosen.entity

    def _in_prose(self, position: int) -> bool:
        """Whether the line holding `position` is prose (ends like a sentence), not a headline or link."""
        line_end = self._text.find("\n", position)
        line = self._text[self._text.rfind("\n", 0, position) + 1 : line_end if line_end >= 0 else len(self._text)]
        return bool(_PROSE_END.search(line))

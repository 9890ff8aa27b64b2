"""Trimming the model's entity spans to the name itself, and dropping spans that are no names.

The model's spans often carry what is not part of a name: a title ("Ms Bickauskaite"), a
leading "the", a possessive ("Russia's"), quotes or brackets. Trimming them makes the forms of
one name compare equal and gives ids that are stable across articles. Mentions keep the
offsets of the trimmed span.

Cheap fixes for known model errors: shouted headline words ("JUST IN", "CRUMBLE", "FURIOUS")
that the model takes for organisations are dropped unless they look like acronyms or the
article also names them in normal case ("TRUMP" next to "Trump"); spans without a
capital letter ("us" tagged as a country), without a letter, or of a single character are
dropped; so are trailing lowercase words ("Palpur village"). `split_span` separates names the
model joins into one span (a name and its bracketed abbreviation; an owner and what it owns), and
`is_no_name` rejects common-noun abbreviations ("AI", the model's most frequent false place in
tech news), laws and treaties, and generic nouns standing alone ("the Institute").
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from functools import lru_cache

from newsingest.models import EntityType

HONORIFICS = (
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Sir",
    "Dame",
    "Rev",
    "Reverend",
    "President",
    "Vice President",
    "Vice-President",
    "Prime Minister",
    "Deputy Prime Minister",
    "Foreign Minister",
    "Defence Minister",
    "Defense Minister",
    "Minister",
    "Foreign Secretary",
    "Home Secretary",
    "Secretary of State",
    "Secretary-General",
    "Secretary General",
    "Chancellor",
    "Senator",
    "Sen",
    "Rep",
    "Representative",
    "Congressman",
    "Congresswoman",
    "Governor",
    "Gov",
    "Mayor",
    "Judge",
    "General",
    "Gen",
    "Colonel",
    "Col",
    "Captain",
    "Capt",
    "Lieutenant",
    "Lt",
    "Sergeant",
    "Sgt",
    "Admiral",
    "Commander",
    "Officer",
    "Detective",
    "Inspector",
    "Sheriff",
    "Ambassador",
    "Father",
    "Pastor",
    "Rabbi",
    "Imam",
)
"""Titles stripped from the start of a person's span, so "Mr Stoltenberg", "Secretary-General
Jens Stoltenberg" and "Jens Stoltenberg" compare equal. Matched case-sensitively, with an
optional trailing full stop ("Dr."), repeatedly ("President Dr ..."), and only on PERSON spans:
"General Motors" or "King's College" are organisations whose first word is no title.

Deliberately absent: regnal, religious and peerage titles (King, Queen, Prince, Princess, Pope,
Lord, Lady, Baroness, Emperor). They are how those people are named: "King Charles" without
"King" is any Charles, "Lord Sugar" without "Lord" is no name at all."""

KNOWN_ACRONYMS = frozenset(
    {
        "ABC", "AFP", "ANC", "APEC", "ASEAN", "AU", "BBC", "BRICS", "CBS", "CDC", "CIA", "CNN",
        "DOJ", "DRC", "ECB", "EU", "FBI", "FDA", "FIFA", "FSB", "FTSE", "GOP", "GRU", "ICC",
        "ICJ", "IDF", "IMF", "INTERPOL", "IRA", "ISIS", "KGB", "NASA", "NASDAQ", "NATO", "NBC",
        "NHS", "NPR", "NSA", "NYSE", "OECD", "OPEC", "OSCE", "PLO", "PRC", "RAF", "SBU", "SNP",
        "SWIFT", "UAE", "UEFA", "UK", "UN", "UNESCO", "UNHCR", "UNICEF", "US", "USA", "USSR",
        "WHO", "WTO",
    }
)  # fmt: skip
"""All-caps words kept even when they look like shouting: acronyms in the news that are common
English words ("US", "WHO") or longer than `MAX_UNLISTED_ACRONYM_LETTERS` ("UNICEF")."""

MAX_UNLISTED_ACRONYM_LETTERS = 4
"""An all-caps word not listed above is taken for an acronym only up to this many letters:
nearly all organisation acronyms in news copy have 2-4 letters (NHS, FBI, IAEA), while the
shouted headline words the model mislabels are mostly longer (CRUMBLE, BREAKING, REVEALED)."""

SHOUTED_WORDS = frozenset({"NEWS", "LIVE", "WATCH", "POLL", "QUIZ", "PICS", "WOW", "OMG"})
"""Short headline words that are neither stop words nor acronyms: rejected like longer shouting."""

MIN_NAME_CHARS = 2
"""A single character is never a name in English news copy; the model's one-letter entities
are initials and list markers."""

ABBREVIATIONS_WITH_STOP = frozenset({"Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "Bros", "St", "Mt"})
"""Last words whose full stop belongs to the name ("Sammy Davis Jr."), so it is not trimmed."""

COMMON_NOUN_ABBREVIATIONS = frozenset(
    {
        "AI", "GenAI", "AGI", "LLM", "LLMs", "API", "APIs", "SaaS", "IoT", "AR", "VR", "XR", "EV", "EVs",
        "CEO", "CFO", "COO", "CTO", "CPO", "CMO", "CIO", "CISO", "VP", "HR", "IT", "PR", "R&D", "IPO", "M&A",
        "ESG", "GDP", "CPI", "GHG", "CO2", "AML", "CFT", "KYC", "GRC", "SLA", "SMB", "SME", "SMEs", "B2B",
        "B2C", "ROI", "KPI", "KPIs", "PhD", "MBA", "MD", "RN", "HVAC", "ASL", "DJ", "DJs", "TV", "PC", "GPU",
        "GPUs", "CPU", "NFT", "NFTs", "DNA", "RNA", "COVID", "COVID-19", "Covid", "Covid-19", "GLP-1", "FAQ",
        "PDF", "URL", "USB", "SUV", "SUVs", "ATM", "VAT", "DIY", "ETF", "ETFs", "Q1", "Q2", "Q3", "Q4",
    }
)  # fmt: skip
"""Abbreviations of common nouns that the model labels as organisations or places ("AI" is its
most frequent false location in tech news): never names, dropped whatever the label."""

LAW_WORDS = frozenset(
    {"Act", "Acts", "Treaty", "Accord", "Accords", "Agreement", "Convention", "Protocol", "Rule", "Rules",
     "Bill", "Law", "Directive", "Regulation", "Amendment", "Charter"}
)  # fmt: skip
"""Last words of laws and treaties ("GENIUS Act", "Union State Treaty"): the model often calls them
organisations; they are not people, organisations or places, so such spans are dropped."""

GENERIC_NOUNS = frozenset(
    {"Institute", "Department", "Ministry", "Agency", "Company", "University", "College", "School",
     "Center", "Centre", "Group", "Foundation", "Association", "Government", "Commission", "Board",
     "Committee", "Council", "Embassy", "Authority", "Bank", "Court", "Office", "Administration", "Party",
     "Federation", "Society", "Trust", "Fund", "Corporation", "Organisation", "Organization", "State",
     "City", "County", "Region", "Province", "Republic", "Kingdom", "Firm", "Police"}
)  # fmt: skip
"""Nouns that refer back to a named body ("the Institute said") without naming it: alone, they
are no entity (the named body is)."""

ORGANIZATION_WORDS = frozenset(
    {"Inc", "Ltd", "LLC", "LLP", "PLC", "plc", "Corp", "Corporation", "Company", "Co", "Group", "Holdings",
     "Partners", "Bank", "University", "College", "Institute", "School", "Academy", "Agency", "Authority",
     "Administration", "Department", "Ministry", "Commission", "Committee", "Council", "Board", "Bureau",
     "Foundation", "Association", "Federation", "Union", "Society", "Party", "Police", "Army", "Navy",
     "Court", "Parliament", "Hospital", "Museum", "Gallery", "Times", "Post", "News", "Journal", "Herald",
     "Tribune", "Media", "Network", "Studios", "Software", "Systems", "Technologies", "Labs", "Health",
     "Healthcare", "Pharmaceuticals", "Airlines", "Motors", "Capital", "Ventures", "AI", "Club", "FC",
     "Initiative", "Projects", "Coalition", "Alliance"}
)  # fmt: skip
"""Last words that make a name an organisation's ("Vectra AI", "Rice University", "Federal Motor
Carrier Safety Administration"): a span the model calls a person is an organisation when its last
word is one of these."""

_HONORIFIC = re.compile(
    "(?:" + "|".join(re.escape(title) for title in sorted(HONORIFICS, key=len, reverse=True)) + r")\.?\s+"
)
_LEADING_THE = re.compile(r"the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’][sS]|(?<=[sS])['’])\Z")
_CLOSERS = {")": "(", "]": "["}
_WORD = re.compile(r"\S+")
_LETTERS = re.compile(r"[^\W\d_]+")
_ENDS_WITH_INITIAL = re.compile(r"(?:^|[.\s])\w\Z")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words: the shouted short words ("JUST", "MORE") are among them.
    Imported on first use only, so importing this module does not import spaCy."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def is_shouted_word(word: str, known_words: Container[str] = frozenset()) -> bool:
    """Whether an all-caps `word` is shouting rather than a name (mixed case: never).

    `known_words` are the casefolded words the article's other entity spans use in normal case:
    a shouted word among them is a name ("TRUMP" in an article that also says "Trump").
    """
    letters = [char for char in word if char.isalpha()]
    if len(letters) < 2 or not all(char.isupper() for char in letters):
        return False
    core = word.strip(".,;:!?'’\"“”()[]")
    if core in KNOWN_ACRONYMS or core.casefold() in known_words:
        return False
    if len(letters) > MAX_UNLISTED_ACRONYM_LETTERS:
        return True
    return core in SHOUTED_WORDS or core.lower() in stop_words()


def normal_case_words(names: Iterable[str]) -> frozenset[str]:
    """The casefolded words of `names` not written in capitals: the `known_words` of an article."""
    return frozenset(word.casefold() for name in names for word in _LETTERS.findall(name) if not word.isupper())


def clean_span(
    text: str,
    start: int,
    end: int,
    entity_type: EntityType,
    known_words: Container[str] = frozenset(),
) -> tuple[int, int] | None:
    """The offsets of the name within `text[start:end]`, or None when it holds no name.

    `known_words`: see `is_shouted_word`.
    """
    start, end = _longest_line(text, start, end)
    while True:
        before = (start, end)
        start, end = _trim_punctuation(text, start, end)
        if match := _LEADING_THE.match(text, start, end):
            start = match.end() if match.end() < end else start
        if entity_type is EntityType.PERSON and (match := _HONORIFIC.match(text, start, end)):
            start = match.end() if match.end() < end else start
        if match := _POSSESSIVE.search(text, start, end):
            end = match.start()
        start, end = _trim_shouted_words(text, start, end, known_words)
        start, end = _trim_trailing_common_words(text, start, end)
        if (start, end) == before:
            break
    return (start, end) if _is_name(text[start:end]) else None


def _longest_line(text: str, start: int, end: int) -> tuple[int, int]:
    """A span crossing a line break joins a headline or list item to the next: keep the longer."""
    best = (start, start)
    line_start = start
    for line in text[start:end].split("\n"):
        line_end = line_start + len(line)
        if line_end - line_start > best[1] - best[0]:
            best = (line_start, line_end)
        line_start = line_end + 1
    return best


def _trim_punctuation(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        char = text[end - 1]
        if char in _CLOSERS and text.count(_CLOSERS[char], start, end) >= text.count(char, start, end):
            break
        if char == "." and _keeps_full_stop(text[start : end - 1]):
            break
        end -= 1
    return start, end


def _keeps_full_stop(name: str) -> bool:
    """Initialisms ("U.S.") and abbreviations ("Jr.") keep their final full stop."""
    last_word = name.rsplit(maxsplit=1)[-1] if name.strip() else ""
    return last_word in ABBREVIATIONS_WITH_STOP or bool(_ENDS_WITH_INITIAL.search(name))


def _trim_shouted_words(text: str, start: int, end: int, known_words: Container[str]) -> tuple[int, int]:
    words = list(_WORD.finditer(text, start, end))
    while words and is_shouted_word(words[0].group(), known_words):
        words.pop(0)
    while words and is_shouted_word(words[-1].group(), known_words):
        words.pop()
    if not words:
        return start, start
    return words[0].start(), words[-1].end()


def _trim_trailing_common_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Names end with a capitalised word or a number: the model's trailing lowercase words are
    what the name is ("Palpur village", "Volyn region")."""
    words = list(_WORD.finditer(text, start, end))
    while len(words) > 1 and not any(char.isupper() or char.isdigit() for char in words[-1].group()):
        words.pop()
    return (words[0].start(), words[-1].end()) if words else (start, end)


def _is_name(name: str) -> bool:
    return len(name) >= MIN_NAME_CHARS and any(char.isalpha() for char in name) and any(char.isupper() for char in name)


_OWNER = re.compile(r"['’]s\s+(?=[A-Z])")
_BRACKETED = re.compile(r"\s*\(([^()]*)\)?")


def split_span(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """The names one model span joins, as `(start, end, is_owner)`: a name and its bracketed
    abbreviation ("Chartered Institute of Building (CIOB)"), or an owner and what it owns
    ("Northwestern University’s Kellogg School of Management"). Most spans are one name.

    The parts still need `clean_span`. An owner is flagged because its type is not the span's:
    in "theCUBE’s Savannah Peterson" the person is Savannah Peterson, not theCUBE.
    """
    if (bracket := _BRACKETED.search(text, start, end)) and bracket.start() > start:
        inner_start, inner_end = bracket.start(1), min(bracket.end(1), end)
        return [(start, bracket.start(), False), (inner_start, inner_end, False)]
    if owner := _OWNER.search(text, start, end):
        return [(start, owner.start(), True), (owner.end(), end, False)]
    return [(start, end, False)]


def is_no_name(name: str, entity_type: EntityType) -> bool:
    """Whether a cleaned span is no name: a common abbreviation, a law, a generic noun alone."""
    if name in COMMON_NOUN_ABBREVIATIONS or name in GENERIC_NOUNS:
        return True
    last_word = name.rsplit(maxsplit=1)[-1]
    return entity_type is not EntityType.PERSON and len(name.split()) > 1 and last_word in LAW_WORDS


def organisation_word_ends(name: str) -> bool:
    """Whether the last word of `name` marks an organisation ("Rice University", "Securiti AI")."""
    words = name.split()
    return len(words) > 1 and words[-1].rstrip(".") in ORGANIZATION_WORDS

"""The article record, the one source of truth for what ingest produces: the parsed JSON in S3, the
events, the index items and `schemas/` (`make schemas`) all derive from these models.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

ARTICLE_ID_HEX_CHARS = 32
"""128 bits: collisions negligible far beyond any news archive, ids short enough for keys and URLs."""


class Record(BaseModel):
    """Base for every contract model: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class EntityType(StrEnum):
    """Coarse entity classes users filter by; spaCy's finer labels map onto these."""

    PERSON = "person"
    ORGANIZATION = "organization"
    LOCATION = "location"
    GROUP = "group"
    EVENT = "event"
    OTHER = "other"


class SourceRef(Record):
    """Where an article came from: enough to fetch exactly that version of the object again."""

    bucket: Annotated[str | None, Field(description="S3 bucket; None when parsed outside AWS")] = None
    key: Annotated[str, Field(description="Object key, decoded (never URL-encoded)")] = ""
    version_id: Annotated[str | None, Field(description="S3 version id when versioning is on")] = None
    etag: Annotated[str | None, Field(description="S3 ETag without quotes")] = None
    sequencer: Annotated[str | None, Field(description="S3 event sequencer: orders events for the same key")] = None
    observed_at: Annotated[
        datetime | None,
        Field(
            description="Only for a replayed object (backfill, reconcile): when ingest read this version as the "
            "key's current one, which orders it against S3's own events in place of their event time"
        ),
    ] = None
    record: Annotated[
        int | None,
        Field(ge=0, description="Index of the record in a multi-record object (JSON list, NDJSON); else None"),
    ] = None


class Mention(Record):
    """One occurrence of an entity: offsets index the article's `text` (Python str indices)."""

    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    text: str


class Entity(Record):
    """A named entity aggregated over all its mentions in one article."""

    id: Annotated[str, Field(description="Stable id `<type>:<slug>`, e.g. `person:vladimir-putin`")]
    name: Annotated[str, Field(description="Canonical name: the fullest form seen in the article")]
    type: EntityType
    mention_count: Annotated[int, Field(ge=1)]
    mentions: list[Mention]
    salience: Annotated[float, Field(ge=0.0, le=1.0, description="Prominence in the article, 0-1")]
    known: Annotated[
        bool, Field(description="The alias table knows it: id, name and type are the table's, not the model's guess")
    ] = False
    in_title: Annotated[bool, Field(description="The title names it")] = False
    aliases: Annotated[
        list[str],
        Field(description="The alias table's other names for it, when known (e.g. US, U.S. for United States)"),
    ] = Field(default_factory=list)


class Quote(Record):
    """A direct quotation and, where the text says who, its speaker. Offsets index `text` and
    cover the words inside the quotation marks."""

    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    speaker_id: Annotated[str | None, Field(description="Entity id of the speaker when resolved")] = None
    speaker_name: Annotated[str | None, Field(description="Canonical name of the speaker when resolved")] = None


class DateMention(Record):
    """A date or time expression in the text; `value` is ISO 8601 when it names an absolute date."""

    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    value: Annotated[str | None, Field(description="YYYY-MM-DD, YYYY-MM or YYYY when absolute")] = None


class AmountKind(StrEnum):
    """What an amount measures."""

    MONEY = "money"
    PERCENT = "percent"
    QUANTITY = "quantity"


class Amount(Record):
    """A sum of money, a percentage or a quantity mentioned in the text."""

    text: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=0)]
    kind: AmountKind


class EntityStatus(StrEnum):
    """Whether entity extraction ran: the English model is not applied to other languages."""

    EXTRACTED = "extracted"
    SKIPPED_LANGUAGE = "skipped_language"
    NOT_RUN = "not_run"


# The Article's fields that the ArticleParsed event and the index's article items carry too, each
# written once here: the event and the items take their types and descriptions from these.
Url = Annotated[str | None, Field(description="Canonical URL when the source gives one")]
Title = str | None
Authors = list[str]
PublishedAt = Annotated[datetime | None, Field(description="Publication time; timezone kept when the source gives one")]
Language = Annotated[str | None, Field(description="ISO 639-1 code")]
WordCount = Annotated[int, Field(ge=0)]
ContentSha256 = Annotated[str, Field(description="SHA-256 of the UTF-8 main text")]
ExtractorVersion = Annotated[str, Field(description="newsingest version that produced this")]
EntityModel = Annotated[
    str | None, Field(description="NER model and version, e.g. en_core_web_sm-3.8.0; None when not run")
]
AliasTableVersion = Annotated[str | None, Field(description="Version of the entity alias table used")]


class Fingerprint(Record):
    """What finds an article's near-duplicates (syndicated copies) in the index: the keys of its
    MinHash's LSH bands and a sketch of the MinHash compact enough for every event and band item
    (docs/design.md#stories)."""

    scheme: Annotated[
        str, Field(description="How the signature was made (shingles, permutations, seed): only equal schemes compare")
    ]
    bands: Annotated[list[str], Field(description="LSH band keys `<band>:<hex value>`: copies share at least one")]
    sketch: Annotated[
        str, Field(description="The low byte of each MinHash value, base64: estimates the Jaccard similarity")
    ]


class Signature(Fingerprint):
    """An article's MinHash signature over the word shingles of its normalised main text, with its
    fingerprint (`newsingest.stories.signature`)."""

    minhash: Annotated[str, Field(description="The MinHash values, unsigned 32-bit little-endian, base64")]

    def fingerprint(self) -> Fingerprint:
        return Fingerprint(scheme=self.scheme, bands=self.bands, sketch=self.sketch)


class Article(Record):
    """A parsed news article."""

    id: Annotated[str, Field(description="Content-derived id: the first 32 hex chars of content_sha256")]
    source: SourceRef
    format: Annotated[str, Field(description="Detected input format: text, html or json")]
    url: Url = None
    title: Title = None
    authors: Authors = Field(default_factory=list)
    published_at: PublishedAt = None
    modified_at: Annotated[datetime | None, Field(description="Last modification time, when given")] = None
    site_name: str | None = None
    description: str | None = None
    language: Language = None
    text: Annotated[str, Field(description="Main text, paragraphs separated by blank lines")]
    word_count: WordCount
    content_sha256: ContentSha256
    entities: list[Entity] = Field(default_factory=list)
    entity_status: EntityStatus = EntityStatus.NOT_RUN
    quotes: list[Quote] = Field(default_factory=list)
    dates: list[DateMention] = Field(default_factory=list)
    amounts: list[Amount] = Field(default_factory=list)
    extractor_version: ExtractorVersion = ""
    entity_model: EntityModel = None
    alias_table_version: AliasTableVersion = None
    signature: Annotated[
        Signature | None, Field(description="MinHash signature of the main text; None when not computed")
    ] = None


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_id_for(content_sha256: str) -> str:
    """Article ids derive from content so the same text uploaded twice is one article."""
    return content_sha256[:ARTICLE_ID_HEX_CHARS]

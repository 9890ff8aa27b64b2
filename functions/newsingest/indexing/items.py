"""The DynamoDB index's single-table layout: one pydantic model per item kind, and its keys.

Every key derives from the article's content hash and the object's bucket/key, never from an event
id, so replaying an event rewrites the same items. The layout and the request behind each question
are in docs/design.md#index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from newsingest.errors import RejectReason
from newsingest.events import ArticleParsed, ArticleRejected, EntitySummary
from newsingest.indexing.names import keys_by_form
from newsingest.models import (
    AliasTableVersion,
    Authors,
    ContentSha256,
    EntityModel,
    EntityType,
    ExtractorVersion,
    Language,
    Quote,
    Record,
    SourceRef,
    Title,
    Url,
    WordCount,
)
from newsingest.provenance import made_by as made_by_of

POSTING_SHARDS = 4
"""Partitions per entity: at 1,000 WCU/s per partition key and 1 WCU per posting, ~4,000 articles/s
can name one entity, over 100 times the world's news output (docs/decisions.md#index)."""

POSTING_TITLE_CHARS = 200
"""Keeps a posting or quote item with its co-entity ids under 1 KB (one write unit); headlines
rarely pass 120 characters."""

POSTING_MAX_BYTES = 1024
"""A posting is billed one write unit up to 1 KB (`billed_bytes`): co-entities past that are left
off, least salient first. Only a long title with many long ids gets near it: the largest of 652
news-length WCXB postings is 1,011 bytes once `made_by` joined them (`bench/index.py`)."""

NUMBER_BYTES = 21
"""The most DynamoDB bills for a number (1 byte per 2 significant digits, plus 1): an upper bound."""


def billed_bytes(value: Any, *, top: bool = True) -> int:
    """DynamoDB's size of an item (a dict of JSON values, None left out) as it bills it: each
    attribute's name and value, strings in UTF-8, 3 bytes plus 1 per element for lists and maps,
    numbers at most `NUMBER_BYTES` (bench/index.py bills requests the same way)."""
    if isinstance(value, dict):
        present = [(name, item) for name, item in value.items() if item is not None]
        inner = sum(len(name.encode()) + billed_bytes(item, top=False) for name, item in present)
        return inner if top else 3 + len(present) + inner
    if isinstance(value, list):
        return 3 + sum(1 + billed_bytes(item, top=False) for item in value)
    if isinstance(value, bool):
        return 1
    if isinstance(value, int | float):
        return min(NUMBER_BYTES, len(repr(value)) // 2 + 2)
    return len(str(value).encode())


CO_ENTITIES_PER_POSTING = 20
"""Answers "who appears alongside X" from X's postings alone; 20 covers what an article is about,
and the tail of one-off mentions is noise for co-occurrence."""

MIN_MENTIONS_TO_INDEX = 2
"""For entities the alias table does not know: an organisation found once is right 48% of the time,
twice or more 80% (docs/decisions.md#index)."""

SINGLE_MENTION_TYPES = frozenset({EntityType.PERSON, EntityType.LOCATION})
"""Indexed even when named once: found once, these are right as often as found twice (75-84%), where
other types are a coin toss (docs/decisions.md#index)."""

GSI1_PROJECTED_ATTRIBUTES = (
    "kind",
    "article_id",
    "sort_time",
    "title",
    "url",
    "published_at",
    "language",
    "word_count",
    "entity_id",
    "name",
    "type",
    "bucket",
    "key",
    "reason",
    "message",
    "received_at",
)
"""What the day, name and rejection listings read: projecting all would copy each 2-4 KB article item
and bill its write units twice; these keep the copy under 1 KB."""

NOT_STORED = frozenset({"aliases"})
"""Entity fields the article item leaves out: the name index has the aliases, once per entity."""

DEFAULT_STORY_WINDOW_DAYS = 30
"""How long an article can be found as the original of later copies (its band items' TTL), and the
most two copies' publication times may differ: a wire story's copies appear within days, and 30
days of band items cost 3 items per article stored for a month (the indexer's `STORY_WINDOW_DAYS`)."""

ARTICLE_SK = "ARTICLE"
SOURCE_SK = "SOURCE"
REJECTED_SK = "REJECTED"
PROFILE_SK = "PROFILE"
RECORD_SK_PREFIX = "RECORD#"
POSTING_SK_PREFIX = "POSTING#"
QUOTE_SK_PREFIX = "QUOTE#"
NAME_SK_PREFIX = "NAME#"
BAND_PK_PREFIX = "BAND#"
STORY_PK_PREFIX = "STORY#"
MEMBER_SK_PREFIX = "ARTICLE#"
NAME_PK_PREFIX = "NAME#"
KNOWN_NAME_PK_PREFIX = "NAME+#"


def article_pk(article_id: str) -> str:
    return f"ARTICLE#{article_id}"


def shard_of(article_id: str) -> int:
    """Stable shard of an article: its postings in every entity land in the same shard number."""
    return int(hashlib.sha256(article_id.encode()).hexdigest()[:8], 16) % POSTING_SHARDS


def entity_shard_pk(entity_id: str, shard: int) -> str:
    return f"ENTITY#{entity_id}#{shard}"


def entity_of_pk(shard_pk: str) -> str:
    """The entity id of a posting or quote partition key (`entity_shard_pk`'s inverse)."""
    return shard_pk.removeprefix("ENTITY#").rpartition("#")[0]


def entity_pk(entity_id: str) -> str:
    return f"ENTITY#{entity_id}"


def source_pk(bucket: str | None, key: str) -> str:
    return f"SOURCE#{bucket or ''}/{key}"


def record_sk(record: int | None) -> str:
    return f"{RECORD_SK_PREFIX}{record or 0:06d}"


def day_pk(day: str) -> str:
    return f"DAY#{day}"


def rejected_day_pk(day: str) -> str:
    return f"REJECTED#{day}"


def name_pk(key: str, *, known: bool) -> str:
    """The name index's partition of a key: by first character, the alias table's entities apart."""
    return f"{KNOWN_NAME_PK_PREFIX if known else NAME_PK_PREFIX}{key[:1]}"


SCHEME_TAG_CHARS = 8
"""A signature scheme's name shortened in band keys (its SHA-256, in hex): the article item lists
its band keys, and every byte of it is billed."""


def band_pk(scheme: str, band: str) -> str:
    """The partition of one LSH band value (`<band>:<hex>`) of one signature scheme."""
    tag = hashlib.sha256(scheme.encode()).hexdigest()[:SCHEME_TAG_CHARS]
    return f"{BAND_PK_PREFIX}{tag}#{band}"


def band_keys_of(pks: Sequence[str]) -> str | None:
    """`ArticleItem.band_keys` of band partition keys of one scheme (`band_pk`'s)."""
    if not pks:
        return None
    tags_and_bands = [pk.removeprefix(BAND_PK_PREFIX).split("#", 1) for pk in pks]
    return " ".join([tags_and_bands[0][0], *(band for _, band in tags_and_bands)])


def story_pk(story_id: str) -> str:
    return f"{STORY_PK_PREFIX}{story_id}"


def member_sk(article_id: str) -> str:
    return f"{MEMBER_SK_PREFIX}{article_id}"


def name_sk(key: str) -> str:
    return f"{NAME_SK_PREFIX}{key}"


def posting_sk(sort_time: str, article_id: str) -> str:
    return f"{POSTING_SK_PREFIX}{sort_time}#{article_id}"


def quote_sk(sort_time: str, article_id: str) -> str:
    return f"{QUOTE_SK_PREFIX}{sort_time}#{article_id}"


def source_id(bucket: str | None, key: str, record: int | None = None) -> str:
    """`bucket/key`, plus `#n` for record n of a multi-record object."""
    base = f"{bucket or ''}/{key}"
    return base if record is None else f"{base}#{record}"


def short_title(title: str | None) -> str | None:
    if title is None or len(title) <= POSTING_TITLE_CHARS:
        return title
    return title[: POSTING_TITLE_CHARS - 1].rstrip() + "…"


def to_sort_time(moment: datetime) -> str:
    """UTC with a `Z`, so it sorts in time order; a naive time is taken as UTC, the one reading that
    needs no guess about where the page was published."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


MadeBy = Annotated[
    str | None,
    Field(
        description="The extractor, entity-model and alias-table versions that made it, `/`-separated "
        "(`0.1.0/en_core_web_sm-3.8.0/2026.12.0`; `-` for a step not run); absent on items written before it was kept"
    ),
]


class _Item(Record):
    pk: str
    sk: str

    def to_item(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class IndexPolicy(StrEnum):
    """Which of an article's entities get postings (the indexer's `INDEX_ENTITIES`)."""

    EVIDENCE = "evidence"
    """Those with good evidence (`is_indexed`): the default."""
    ALL = "all"
    """Every entity found, at 1.8 times the write units."""


def is_indexed(
    entity: EntitySummary, speakers: frozenset[str] = frozenset(), policy: IndexPolicy = IndexPolicy.EVIDENCE
) -> bool:
    """Known, named often enough or in the title, of a type the model rarely gets wrong, or quoted."""
    return (
        policy is IndexPolicy.ALL
        or entity.known
        or entity.in_title
        or entity.mention_count >= MIN_MENTIONS_TO_INDEX
        or entity.type in SINGLE_MENTION_TYPES
        or entity.id in speakers
    )


class ArticleSummaryItem(_Item):
    """An article as the day listing returns it (what gsi1 projects)."""

    kind: Literal["article"] = "article"
    gsi1pk: str
    gsi1sk: str
    article_id: str
    sort_time: str
    title: Title = None
    url: Url = None
    published_at: Annotated[str | None, Field(description="The article's published_at in ISO 8601")] = None
    language: Language = None
    word_count: WordCount


class ArticleItem(ArticleSummaryItem):
    """An indexed article: its summary, the entities it is indexed under, where its quotations are
    filed and every source it arrived from. The full article (text, every entity with its
    mentions, quotations) is the line of `parsed_uri` at `parsed_range`."""

    authors: Authors = Field(default_factory=list)
    content_sha256: ContentSha256
    parsed_uri: Annotated[str, Field(description="The newline-delimited JSON object holding the parsed article")]
    parsed_range: Annotated[str, Field(description="The article's line in it, as an HTTP Range (GetObject's `Range`)")]
    extractor_version: ExtractorVersion
    entity_model: EntityModel = None
    alias_table_version: AliasTableVersion = None
    entity_status: Annotated[str | None, Field(description="The article's entity_status")] = None
    entities: Annotated[
        list[EntitySummary], Field(description="The entities the article is indexed under, most salient first")
    ]
    entity_count: Annotated[
        int | None, Field(description="Entities found in the article, indexed or not (the parsed JSON has them all)")
    ] = None
    quote_count: Annotated[int | None, Field(description="Quotations found in the article")] = None
    quoted: Annotated[
        list[str], Field(description="Speakers whose quotations in it are filed under them (`/entities/{id}/quotes`)")
    ] = Field(default_factory=list)
    processed_at: Annotated[
        str | None,
        Field(description="When the ingest function made the event this item comes from (ISO 8601)"),
    ] = None
    story_id: Annotated[
        str | None,
        Field(
            description="The story (near-duplicates: docs/design.md#stories) it joined: the id of the article that "
            "started it. Absent when the article started its own story (or was indexed before stories): its story's "
            "id is its own, and the bytes are not billed on most articles"
        ),
    ] = None
    band_keys: Annotated[
        str | None,
        Field(
            description="Its LSH band items' keys, so removing it finds them, compactly: the scheme's tag, then "
            "each `<band>:<value>` (`3f9a1c2b 0:099ddce9 2:0e4b9784`; ~40 bytes, where the keys would take 80)"
        ),
    ] = None

    @property
    def story(self) -> str:
        """Its story's id."""
        return self.story_id or self.article_id

    @property
    def bands(self) -> list[str]:
        """The partition keys of its band items."""
        if not self.band_keys:
            return []
        tag, *bands = self.band_keys.split(" ")
        return [f"{BAND_PK_PREFIX}{tag}#{band}" for band in bands]

    @property
    def made_by(self) -> str:
        """The versions that made it, as its postings, quotes and names record them."""
        return made_by_of(self.extractor_version, self.entity_model, self.alias_table_version)

    def to_item(self) -> dict[str, Any]:
        """False entity flags are left out: each would cost its name in every entity, billed per KB."""
        item = super().to_item()
        item["entities"] = [
            {name: value for name, value in entity.items() if value is not False and name not in NOT_STORED}
            for entity in item["entities"]
        ]
        return item

    @classmethod
    def of(
        cls, event: ArticleParsed, policy: IndexPolicy = IndexPolicy.EVIDENCE, *, sort_time: str | None = None
    ) -> ArticleItem:
        """`sort_time` overrides the event's (a re-indexed article without a date keeps its keys)."""
        sort_time = sort_time or to_sort_time(event.published_at or event.received_at)
        speakers = frozenset(quote.speaker_id for quote in event.quotes if quote.speaker_id)
        return cls(
            pk=article_pk(event.article_id),
            sk=ARTICLE_SK,
            gsi1pk=day_pk(sort_time[:10]),
            gsi1sk=f"{sort_time}#{event.article_id}",
            article_id=event.article_id,
            sort_time=sort_time,
            title=event.title,
            url=event.url,
            authors=event.authors,
            published_at=event.published_at.isoformat() if event.published_at else None,
            language=event.language,
            word_count=event.word_count,
            content_sha256=event.content_sha256,
            parsed_uri=event.parsed_uri,
            parsed_range=event.parsed_range,
            extractor_version=event.extractor_version,
            entity_model=event.entity_model,
            alias_table_version=event.alias_table_version,
            entity_status=str(event.entity_status),
            entities=[entity for entity in event.entities if is_indexed(entity, speakers, policy)],
            entity_count=len(event.entities),
            quote_count=len(event.quotes),
            quoted=list(dict.fromkeys(quote.speaker_id for quote in event.quotes if quote.speaker_id)),
            processed_at=event.processed_at.isoformat() if event.processed_at else None,
        )


class SourceItem(_Item):
    """The latest state of one object, so late and duplicate events can be told apart: what
    version it holds (or that it was deleted), and when S3 reported that. An object holding one
    article names it here (`article_id`, `source_id`) instead of in a `RECORD#` item: one write
    unit per article saved, and most objects hold one article."""

    kind: Literal["source"] = "source"
    bucket: str | None = None
    key: str
    version_id: str | None = None
    etag: str | None = None
    sequencer: str | None = None
    event_time: str
    record_count: int = 1
    deleted: bool = False
    article_id: str | None = None
    source_id: str | None = None

    def embedded_records(self) -> list[RecordItem]:
        """The article this item names, as a record keyed by this item (no RECORD# item to delete)."""
        if self.article_id is None or self.source_id is None or self.deleted:
            return []
        return [RecordItem(pk=self.pk, sk=self.sk, record=0, article_id=self.article_id, source_id=self.source_id)]


class RecordItem(_Item):
    """Article n of an object (n = 0 for a single-article object)."""

    kind: Literal["record"] = "record"
    record: int
    article_id: str
    source_id: Annotated[str, Field(description="How the article lists this record among its sources")]


class RejectionItem(_Item):
    """Why an object was not indexed: listed by day for the CLI and operators."""

    kind: Literal["rejection"] = "rejection"
    gsi1pk: str
    gsi1sk: str
    bucket: str | None = None
    key: str
    reason: RejectReason
    message: str
    received_at: str
    extractor_version: str | None = None

    @classmethod
    def of(cls, event: ArticleRejected) -> RejectionItem:
        source = event.source
        moment = to_sort_time(event.received_at)
        return cls(
            pk=source_pk(source.bucket, source.key),
            sk=REJECTED_SK,
            gsi1pk=rejected_day_pk(moment[:10]),
            gsi1sk=f"{moment}#{source.bucket or ''}/{source.key}",
            bucket=source.bucket,
            key=source.key,
            reason=event.reason,
            message=event.message,
            received_at=event.received_at.isoformat(),
            extractor_version=event.extractor_version,
        )


class PostingItem(_Item):
    """Entity X is mentioned in article A."""

    kind: Literal["posting"] = "posting"
    entity_id: str
    article_id: str
    sort_time: str
    title: str | None = None
    mention_count: Annotated[int, Field(ge=1)]
    salience: float
    co_entities: Annotated[list[str], Field(description="The article's most salient other entity ids")] = Field(
        default_factory=list
    )
    made_by: MadeBy = None
    story_id: Annotated[
        str | None,
        Field(
            description="The story the article joined, so totals count stories and lists collapse copies; absent "
            "when the article's story is its own"
        ),
    ] = None

    @property
    def story(self) -> str:
        """Its story; an article indexed before stories is a story of its own."""
        return self.story_id or self.article_id

    @classmethod
    def of(cls, article: ArticleItem, entity: EntitySummary) -> PostingItem:
        others = [other.id for other in article.entities if other.id != entity.id]
        posting = cls(
            pk=entity_shard_pk(entity.id, shard_of(article.article_id)),
            sk=posting_sk(article.sort_time, article.article_id),
            entity_id=entity.id,
            article_id=article.article_id,
            sort_time=article.sort_time,
            title=short_title(article.title),
            mention_count=entity.mention_count,
            salience=entity.salience,
            co_entities=others[:CO_ENTITIES_PER_POSTING],
            made_by=article.made_by,
            story_id=article.story_id,
        )
        while posting.co_entities and billed_bytes(posting.to_item()) > POSTING_MAX_BYTES:
            posting = posting.model_copy(update={"co_entities": posting.co_entities[:-1]})
        return posting


class QuoteItem(_Item):
    """What a speaker said in one article, filed under the speaker: "what did X say" is one Query
    per shard. One item per (speaker, article), not per quotation: most quotations are short, so
    an article's several quotations of one speaker usually fit the write unit one would take."""

    kind: Literal["quote"] = "quote"
    speaker_id: str
    speaker_name: str | None = None
    article_id: str
    sort_time: str
    title: str | None = None
    texts: Annotated[list[str], Field(min_length=1, description="The quotations, in the article's order")]
    made_by: MadeBy = None

    @classmethod
    def of(cls, article: ArticleItem, speaker_id: str, quotes: Sequence[Quote]) -> QuoteItem:
        return cls(
            pk=entity_shard_pk(speaker_id, shard_of(article.article_id)),
            sk=quote_sk(article.sort_time, article.article_id),
            speaker_id=speaker_id,
            speaker_name=next((quote.speaker_name for quote in quotes if quote.speaker_name), None),
            article_id=article.article_id,
            sort_time=article.sort_time,
            title=short_title(article.title),
            texts=[quote.text for quote in quotes],
            made_by=article.made_by,
        )


class BandItem(_Item):
    """An article filed under one of its LSH band values (`BAND#<scheme>#<band>:<hex>` /
    `ARTICLE#<id>`), with what deciding whether a later article copies it needs; DynamoDB deletes it
    by TTL once the story window has passed."""

    kind: Literal["band"] = "band"
    article_id: str
    story_id: str
    sort_time: str
    sketch: Annotated[str, Field(description="The article's MinHash sketch (Fingerprint.sketch)")]
    expires_at: Annotated[int, Field(description="TTL: epoch seconds after which DynamoDB deletes it")]

    @classmethod
    def of(cls, article: ArticleItem, pk: str, sketch: str, expires_at: int) -> BandItem:
        return cls(
            pk=pk,
            sk=member_sk(article.article_id),
            article_id=article.article_id,
            story_id=article.story,
            sort_time=article.sort_time,
            sketch=sketch,
            expires_at=expires_at,
        )


class StoryMemberItem(_Item):
    """An article that joined a story (`STORY#<story_id>` / `ARTICLE#<id>`). The article that
    started the story has none (the story's id is its id), so an article without copies costs no
    write unit for it."""

    kind: Literal["story_member"] = "story_member"
    story_id: str
    article_id: str
    sort_time: str

    @classmethod
    def of(cls, story_id: str, article_id: str, sort_time: str) -> StoryMemberItem:
        return cls(
            pk=story_pk(story_id),
            sk=member_sk(article_id),
            story_id=story_id,
            article_id=article_id,
            sort_time=sort_time,
        )


class EntityProfileItem(_Item):
    """Name and type of an entity (its look-up keys are NameItems)."""

    kind: Literal["entity"] = "entity"
    gsi1pk: Annotated[str | None, Field(description="Only on profiles written before NameItems")] = None
    gsi1sk: str | None = None
    entity_id: str
    name: str
    type: EntityType
    made_by: MadeBy = None

    @classmethod
    def of(cls, entity: EntitySummary, made_by: str | None = None) -> EntityProfileItem:
        return cls(
            pk=entity_pk(entity.id),
            sk=PROFILE_SK,
            entity_id=entity.id,
            name=entity.name,
            type=entity.type,
            made_by=made_by,
        )


class NameItem(_Item):
    """One look-up key of an entity: the run of a name's last words a prefix query can match, filed
    under the entity (so its keys go with it) and in the name index (gsi1), where the alias
    table's entities have partitions of their own so that a short prefix still finds them first."""

    kind: Literal["name"] = "name"
    gsi1pk: str
    gsi1sk: str
    entity_id: str
    name: Annotated[str, Field(description="The name or alias the key comes from, as written")]
    type: EntityType
    made_by: MadeBy = None

    @classmethod
    def of(cls, entity: EntitySummary, key: str, form: str, made_by: str | None = None) -> NameItem:
        return cls(
            pk=entity_pk(entity.id),
            sk=name_sk(key),
            gsi1pk=name_pk(key, known=entity.known),
            gsi1sk=f"{key}#{entity.id}",
            entity_id=entity.id,
            name=form,
            type=entity.type,
            made_by=made_by,
        )

    @property
    def key(self) -> str:
        return self.sk.removeprefix(NAME_SK_PREFIX)


def names_for(entity: EntitySummary, made_by: str | None = None) -> list[NameItem]:
    """Every look-up key of the entity's name and aliases; a key the name gives shows the name."""
    return [
        NameItem.of(entity, key, form, made_by) for key, form in keys_by_form([entity.name, *entity.aliases]).items()
    ]


def postings_for(article: ArticleItem) -> list[PostingItem]:
    """A pure function of the article item, so removing an article rebuilds the keys indexing wrote."""
    return [PostingItem.of(article, entity) for entity in article.entities]


def quotes_for(article: ArticleItem, quotes: Sequence[Quote]) -> list[QuoteItem]:
    """One item per speaker the article lists in `quoted`, so removing it finds every key written."""
    by_speaker: dict[str, list[Quote]] = {speaker: [] for speaker in article.quoted}
    for quote in quotes:
        if quote.speaker_id in by_speaker:
            by_speaker[quote.speaker_id].append(quote)
    return [QuoteItem.of(article, speaker, said) for speaker, said in by_speaker.items() if said]


def quote_key(speaker_id: str, sort_time: str, article_id: str) -> tuple[str, str]:
    """The key of what a speaker said in one article."""
    return entity_shard_pk(speaker_id, shard_of(article_id)), quote_sk(sort_time, article_id)


def quote_keys_for(article: ArticleItem) -> list[tuple[str, str]]:
    return [quote_key(speaker, article.sort_time, article.article_id) for speaker in article.quoted]


def source_of(item: SourceItem) -> SourceRef:
    return SourceRef(
        bucket=item.bucket, key=item.key, version_id=item.version_id, etag=item.etag, sequencer=item.sequencer
    )


@dataclass(frozen=True)
class ObjectState:
    """What the index holds about one object: its latest state, its records, a rejection."""

    source: SourceItem | None = None
    records: list[RecordItem] = field(default_factory=list)
    rejected: bool = False

    def all_records(self) -> list[RecordItem]:
        embedded = self.source.embedded_records() if self.source else []
        return [*self.records, *embedded]

"""The CloudEvents 1.0 envelopes the ingest function publishes to the index queue. They point at the
parsed article in S3 and never carry its text, so a message stays far below the SQS limit
whatever the article's size (docs/design.md#events).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from newsingest.errors import RejectReason
from newsingest.models import (
    AliasTableVersion,
    Article,
    Authors,
    ContentSha256,
    Entity,
    EntityModel,
    EntityStatus,
    EntityType,
    ExtractorVersion,
    Fingerprint,
    Language,
    PublishedAt,
    Quote,
    Record,
    SourceRef,
    Title,
    Url,
    WordCount,
)
from newsingest.provenance import made_by
from newsingest.version import __version__

EVENT_SOURCE = "newsingest/ingest"
"""CloudEvents `source` of every event the ingest function emits."""

RECONCILE_EVENT_SOURCE = "newsingest/reconcile"
"""CloudEvents `source` of the events `newsingest reconcile --fix` sends the index queue."""

INDEXER_EVENT_SOURCE = "newsingest/indexer"
"""CloudEvents `source` of the `EntitiesReleased` events the indexer sends its own queue."""

ENTITIES_PER_RELEASE = 4
"""Entities per `EntitiesReleased` event. Dropping one that no posting is left under costs about 10
DynamoDB calls (a consistent Query of each of 4 shards before and after deleting, one to read its
items); under the fault bench's 10% failure rate about 2.4% of calls still fail after botocore's
retries (docs/benchmarks.md#faults-and-kills), and ~40 calls is what an article's creation already
makes and reliably completes within the queue's 5 receives."""

MAX_EVENT_ENTITIES = 500
"""Most salient first: at ~150 bytes each, ~75 KB, a third of the SQS limit; the parsed JSON has all."""


MAX_EVENT_ALIASES = 8
"""Other names per entity: the alias table's (up to 6 for a country) and the article's own forms
("President Putin"); 8 at ~15 characters keep even a 500-entity event under half the SQS limit."""

MAX_EVENT_ALIAS_CHARS = 60
"""Longer "forms" are extraction noise, not names anyone types."""

MAX_EVENT_QUOTES = 100
"""In text order: at most ~400 bytes each once cut, ~40 KB; the parsed JSON has all."""

MAX_EVENT_QUOTE_CHARS = 300
"""Nearly every quotation in news prose (a sentence or two); longer ones are cut in the event only."""


class EventType(StrEnum):
    """CloudEvents `type` values."""

    ARTICLE_PARSED = "newsingest.ArticleParsed"
    ARTICLE_REJECTED = "newsingest.ArticleRejected"
    ARTICLE_DELETED = "newsingest.ArticleDeleted"
    STRAY_INDEX_ENTRIES = "newsingest.StrayIndexEntries"
    ENTITIES_RELEASED = "newsingest.EntitiesReleased"


class EntitySummary(Record):
    """An entity as the index needs it: no mention offsets."""

    id: str
    name: str
    type: EntityType
    mention_count: Annotated[int, Field(ge=1)]
    salience: Annotated[float, Field(ge=0.0, le=1.0)]
    known: Annotated[bool, Field(description="An entity of the alias table")] = False
    in_title: Annotated[bool, Field(description="The title names it")] = False
    aliases: Annotated[
        list[str],
        Field(
            description=f"Other names for it: the alias table's, then the article's own forms (at most "
            f"{MAX_EVENT_ALIASES}); the name index learns them, the index's article item does not keep them"
        ),
    ] = Field(default_factory=list)

    @classmethod
    def of(cls, entity: Entity) -> EntitySummary:
        return cls(
            id=entity.id,
            name=entity.name,
            type=entity.type,
            mention_count=entity.mention_count,
            salience=entity.salience,
            known=entity.known,
            in_title=entity.in_title,
            aliases=_aliases(entity),
        )


def _aliases(entity: Entity) -> list[str]:
    """The table's names, then the article's forms by frequency; one per spelling, none equal to the name."""
    forms = Counter(mention.text.strip() for mention in entity.mentions)
    ranked = [*entity.aliases, *(form for form, _ in forms.most_common())]
    seen = {entity.name.casefold()}
    found: list[str] = []
    for form in ranked:
        if form and len(form) <= MAX_EVENT_ALIAS_CHARS and form.casefold() not in seen:
            seen.add(form.casefold())
            found.append(form)
    return found[:MAX_EVENT_ALIASES]


def _event_quote(quote: Quote) -> Quote:
    if len(quote.text) <= MAX_EVENT_QUOTE_CHARS:
        return quote
    return quote.model_copy(update={"text": quote.text[: MAX_EVENT_QUOTE_CHARS - 1].rstrip() + "…"})


class ArticleParsed(Record):
    """An object became an article (one per record of a multi-record object); the full record is
    the line of `parsed_uri` at `parsed_range`."""

    article_id: str
    source: SourceRef
    record_count: Annotated[int, Field(ge=1, description="Articles the object version holds")] = 1
    parsed_uri: Annotated[
        str,
        Field(
            description="s3://bucket/parsed/dt=<day>/<digest>.ndjson: the newline-delimited JSON object holding "
            "the parsed articles of one ingest batch"
        ),
    ]
    parsed_range: Annotated[
        str,
        Field(
            pattern=r"^bytes=\d+-\d+$",
            description="This article's line in that object, as an HTTP Range (GetObject's `Range`): "
            "one JSON document, the full `Article`",
        ),
    ]
    received_at: Annotated[datetime, Field(description="When S3 reported the object (event time)")]
    url: Url = None
    title: Title = None
    authors: Authors = Field(default_factory=list)
    published_at: PublishedAt = None
    language: Language = None
    word_count: WordCount
    content_sha256: ContentSha256
    entities: list[EntitySummary]
    entities_truncated: Annotated[
        bool, Field(description=f"True when the article had more than {MAX_EVENT_ENTITIES} entities")
    ] = False
    entity_status: EntityStatus = EntityStatus.NOT_RUN
    quotes: Annotated[
        list[Quote], Field(description=f"At most {MAX_EVENT_QUOTES}, each cut to {MAX_EVENT_QUOTE_CHARS} chars")
    ] = Field(default_factory=list)
    quotes_truncated: bool = False
    extractor_version: ExtractorVersion
    entity_model: EntityModel = None
    alias_table_version: AliasTableVersion = None
    processed_at: Annotated[
        datetime | None,
        Field(
            description="When the ingest function announced it: of two processings of one article by other "
            "versions, the later one is indexed (docs/design.md#re-indexing)"
        ),
    ] = None

    fingerprint: Annotated[
        Fingerprint | None,
        Field(
            description="The text's LSH band keys and MinHash sketch (not the 128 values: ~300 bytes), which the "
            "indexer groups near-duplicates into stories with; None from ingest versions before stories"
        ),
    ] = None

    @property
    def made_by(self) -> str:
        """The versions that made it, as the index items record them."""
        return made_by(self.extractor_version, self.entity_model, self.alias_table_version)

    @classmethod
    def of(
        cls,
        article: Article,
        *,
        parsed_uri: str,
        parsed_range: str,
        received_at: datetime,
        record_count: int = 1,
        processed_at: datetime | None = None,
    ) -> ArticleParsed:
        ranked = sorted(article.entities, key=lambda entity: -entity.salience)
        return cls(
            **{name: getattr(article, name) for name in ARTICLE_FIELDS_COPIED},
            article_id=article.id,
            record_count=record_count,
            parsed_uri=parsed_uri,
            parsed_range=parsed_range,
            received_at=received_at,
            entities=[EntitySummary.of(entity) for entity in ranked[:MAX_EVENT_ENTITIES]],
            entities_truncated=len(ranked) > MAX_EVENT_ENTITIES,
            quotes=[_event_quote(quote) for quote in article.quotes[:MAX_EVENT_QUOTES]],
            quotes_truncated=len(article.quotes) > MAX_EVENT_QUOTES,
            processed_at=processed_at,
            fingerprint=article.signature.fingerprint() if article.signature else None,
        )


ARTICLE_FIELDS_SUMMARISED = frozenset({"entities", "quotes"})
"""Article fields the event carries in a shorter form: entities without mentions, quotes capped."""

ARTICLE_FIELDS_COPIED = tuple(
    name
    for name in ArticleParsed.model_fields
    if name in Article.model_fields and name not in ARTICLE_FIELDS_SUMMARISED
)
"""Article fields the event carries as they are (url, title, authors, ...): every one it declares."""


class ArticleRejected(Record):
    """An object could not become an article; the object itself is left untouched."""

    source: SourceRef
    received_at: datetime
    reason: RejectReason
    message: str
    extractor_version: Annotated[
        str | None,
        Field(description="The newsingest version that rejected it, so a later one can re-process it"),
    ] = None


class ArticleDeleted(Record):
    """An object was removed from the bucket: its article leaves the index."""

    source: SourceRef
    received_at: datetime


class StraySource(Record):
    """An object an article lists among its sources although the object's index entries name another
    article, or none."""

    bucket: str | None = None
    key: str
    source_id: Annotated[str, Field(description="How the article lists it: bucket/key, #n for record n")]


class StrayEntry(Record):
    """A posting or quotation item filed under an entity for an article (its key: entity, time, article)."""

    entity_id: str
    sort_time: str


class StrayIndexEntries(Record):
    """Index entries of one article that a reconcile found no object accounts for: sources whose
    objects no longer hold the article, and postings or quotations the article item does not list
    (or whose article is gone). The indexer removes each one still unaccounted for when it applies
    the event, so an entry that became right in the meantime stays."""

    article_id: str
    sources: list[StraySource] = Field(default_factory=list)
    postings: list[StrayEntry] = Field(default_factory=list)
    quotes: list[StrayEntry] = Field(default_factory=list)
    unsourced: Annotated[
        bool, Field(description="The article listed no source at all: it goes, unless it lists one by then")
    ] = False
    found_at: Annotated[datetime, Field(description="When the reconcile read the index")]


class EntitiesReleased(Record):
    """Entities whose postings or quotations an article's removal or re-index deleted: the indexer
    drops the profile and name keys of each that has none left. The indexer sends these to its own
    queue, a few entities each, so that removing an article naming hundreds of entities stays a
    short event and each few entities fail and retry alone (docs/design.md#re-indexing)."""

    article_id: Annotated[str, Field(description="The article whose entries were deleted")]
    entity_ids: Annotated[list[str], Field(min_length=1, max_length=ENTITIES_PER_RELEASE)]
    released_at: datetime


class _CloudEvent(Record):
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = EVENT_SOURCE
    time: datetime
    subject: Annotated[str, Field(description="The object key (or article id) the event is about")]
    datacontenttype: Literal["application/json"] = "application/json"


class ArticleParsedEvent(_CloudEvent):
    """CloudEvents envelope of `ArticleParsed`."""

    type: Literal[EventType.ARTICLE_PARSED] = EventType.ARTICLE_PARSED
    data: ArticleParsed


class ArticleRejectedEvent(_CloudEvent):
    """CloudEvents envelope of `ArticleRejected`."""

    type: Literal[EventType.ARTICLE_REJECTED] = EventType.ARTICLE_REJECTED
    data: ArticleRejected


class ArticleDeletedEvent(_CloudEvent):
    """CloudEvents envelope of `ArticleDeleted`."""

    type: Literal[EventType.ARTICLE_DELETED] = EventType.ARTICLE_DELETED
    data: ArticleDeleted


class StrayIndexEntriesEvent(_CloudEvent):
    """CloudEvents envelope of `StrayIndexEntries` (source `newsingest/reconcile`)."""

    type: Literal[EventType.STRAY_INDEX_ENTRIES] = EventType.STRAY_INDEX_ENTRIES
    data: StrayIndexEntries


class EntitiesReleasedEvent(_CloudEvent):
    """CloudEvents envelope of `EntitiesReleased` (source `newsingest/indexer`)."""

    type: Literal[EventType.ENTITIES_RELEASED] = EventType.ENTITIES_RELEASED
    data: EntitiesReleased


QueuedEvent = (
    ArticleParsedEvent | ArticleRejectedEvent | ArticleDeletedEvent | StrayIndexEntriesEvent | EntitiesReleasedEvent
)

IndexEvent = Annotated[QueuedEvent, Field(discriminator="type")]
"""Any message on the index queue."""

INDEX_EVENT_ADAPTER: TypeAdapter[IndexEvent] = TypeAdapter(IndexEvent)


def event_id_for(event_type: EventType, source: SourceRef, discriminator: str = "") -> str:
    """The same object version yields the same id on every retry, so consumers may deduplicate."""
    identity = "|".join(
        [
            event_type,
            source.bucket or "",
            source.key,
            source.version_id or source.etag or "",
            source.sequencer or "",
            discriminator,
        ]
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def article_parsed_event(
    article: Article,
    *,
    parsed_uri: str,
    parsed_range: str,
    received_at: datetime,
    record_count: int = 1,
    processed_at: datetime | None = None,
) -> ArticleParsedEvent:
    """The id is the same for one object version processed again by the same versions, and differs
    when other versions re-process it (a consumer that deduplicates on ids still sees a re-index)."""
    data = ArticleParsed.of(
        article,
        parsed_uri=parsed_uri,
        parsed_range=parsed_range,
        received_at=received_at,
        record_count=record_count,
        processed_at=processed_at,
    )
    return ArticleParsedEvent(
        id=event_id_for(
            EventType.ARTICLE_PARSED,
            article.source,
            f"{article.source.record}|{article.content_sha256}|{data.made_by}",
        ),
        time=received_at,
        subject=article.source.key or article.id,
        data=data,
    )


def article_rejected_event(
    source: SourceRef, *, reason: RejectReason, message: str, received_at: datetime
) -> ArticleRejectedEvent:
    return ArticleRejectedEvent(
        id=event_id_for(EventType.ARTICLE_REJECTED, source, reason),
        time=received_at,
        subject=source.key,
        data=ArticleRejected(
            source=source, received_at=received_at, reason=reason, message=message, extractor_version=__version__
        ),
    )


def article_deleted_event(source: SourceRef, *, received_at: datetime) -> ArticleDeletedEvent:
    return ArticleDeletedEvent(
        id=event_id_for(EventType.ARTICLE_DELETED, source),
        time=received_at,
        subject=source.key,
        data=ArticleDeleted(source=source, received_at=received_at),
    )


def stray_index_entries_event(entries: StrayIndexEntries) -> StrayIndexEntriesEvent:
    """The same findings give the same id, so a consumer may deduplicate a fix sent twice."""
    identity = entries.model_dump_json(exclude={"found_at"})
    return StrayIndexEntriesEvent(
        id=hashlib.sha256(f"{EventType.STRAY_INDEX_ENTRIES}|{identity}".encode()).hexdigest()[:32],
        source=RECONCILE_EVENT_SOURCE,
        time=entries.found_at,
        subject=entries.article_id,
        data=entries,
    )


def entities_released_events(
    article_id: str, entity_ids: list[str], *, released_at: datetime
) -> list[EntitiesReleasedEvent]:
    """`entity_ids` in events of `ENTITIES_PER_RELEASE`; the same entities of the same article give
    the same ids, so a retry of the removal that sent them sends the same events."""
    ordered = sorted(set(entity_ids))
    events = []
    for start in range(0, len(ordered), ENTITIES_PER_RELEASE):
        chunk = ordered[start : start + ENTITIES_PER_RELEASE]
        identity = "|".join([EventType.ENTITIES_RELEASED, article_id, *chunk])
        events.append(
            EntitiesReleasedEvent(
                id=hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32],
                source=INDEXER_EVENT_SOURCE,
                time=released_at,
                subject=article_id,
                data=EntitiesReleased(article_id=article_id, entity_ids=chunk, released_at=released_at),
            )
        )
    return events

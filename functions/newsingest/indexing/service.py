"""Applying events to the index so that replays, duplicates, crashes and late or reordered
deliveries change nothing twice: an event older than the newest applied to its object is ignored,
a new object version detaches the previous version's articles (whether it became articles or was
rejected), and the article item is written after its postings and removed after them
(docs/design.md#consistency).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from newsingest.crashpoints import Boundary, reached
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsed,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    EntitySummary,
    IndexEvent,
)
from newsingest.indexing.items import (
    SOURCE_SK,
    ArticleItem,
    IndexPolicy,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    postings_for,
    quote_keys_for,
    quotes_for,
    record_sk,
    source_id,
    source_pk,
)
from newsingest.models import SourceRef


class Outcome(StrEnum):
    """What applying one event did, for logs and metrics."""

    INDEXED = "indexed"
    ALREADY_INDEXED = "already_indexed"
    SOURCE_ADDED = "source_added"
    REPLACED = "replaced"
    DELETED = "deleted"
    STALE = "stale"
    UNKNOWN_SOURCE = "unknown_source"
    OTHER_VERSION = "other_version"
    REJECTION_RECORDED = "rejection_recorded"


class IndexStore(Protocol):
    """The item-level operations the index needs (DynamoDB in AWS)."""

    def get_object(self, bucket: str | None, key: str) -> ObjectState:
        """Everything stored under the object, in one consistent read."""
        ...

    def put_source(self, item: SourceItem) -> None: ...

    def put_record(self, item: RecordItem) -> None: ...

    def delete_record(self, item: RecordItem) -> None: ...

    def get_article(self, article_id: str) -> ArticleItem | None: ...

    def put_postings(self, postings: list[PostingItem]) -> None: ...

    def delete_postings(self, postings: list[PostingItem]) -> None: ...

    def put_quotes(self, quotes: list[QuoteItem]) -> None: ...

    def delete_quotes(self, keys: list[tuple[str, str]]) -> None: ...

    def put_profiles(self, entities: list[EntitySummary]) -> None:
        """Make sure each entity has a profile (name, type) and a name-index key for each of its
        names and aliases, writing only what is new."""
        ...

    def put_article(self, article: ArticleItem, source: str) -> None:
        """Create the article if absent and add `source` to its sources."""
        ...

    def remove_article_source(self, article_id: str, source: str) -> set[str]:
        """Remove one source from an article; returns the sources left."""
        ...

    def delete_article(self, article_id: str) -> None: ...

    def put_rejection(self, item: RejectionItem) -> None: ...

    def delete_rejection(self, bucket: str | None, key: str) -> None: ...


def _padded(sequencer: str, width: int) -> str:
    return sequencer.upper().ljust(width, "0")


def is_older(sequencer: str | None, event_time: datetime, applied: SourceItem) -> bool:
    """Whether an event predates the newest applied to its key. Sequencers compare as AWS documents
    (hex, the shorter right-padded with zeros); without one (moto, EventBridge replays), event time."""
    if sequencer and applied.sequencer:
        width = max(len(sequencer), len(applied.sequencer))
        return _padded(sequencer, width) < _padded(applied.sequencer, width)
    return event_time < datetime.fromisoformat(applied.event_time)


def _version_of(source: SourceRef) -> str | None:
    return source.version_id or source.etag


class Indexer:
    """Keeps the index in step with the events."""

    def __init__(self, store: IndexStore, policy: IndexPolicy = IndexPolicy.EVIDENCE) -> None:
        self._store = store
        self._policy = policy

    def apply(self, event: IndexEvent) -> Outcome:
        """Apply one event; raising leaves the index consistent and the event safe to retry."""
        if isinstance(event, ArticleParsedEvent):
            return self._on_article_parsed(event)
        if isinstance(event, ArticleDeletedEvent):
            return self._on_article_deleted(event)
        return self._on_article_rejected(event)

    def _on_article_parsed(self, event: ArticleParsedEvent) -> Outcome:
        data = event.data
        bucket, key, record = data.source.bucket, data.source.key, data.source.record
        single = data.record_count <= 1
        this_source = source_id(bucket, key, None if single else record)
        state = self._store.get_object(bucket, key)
        if self._is_stale(state, data.source, data.received_at):
            held = {(item.article_id, item.source_id) for item in state.all_records()}
            if (data.article_id, this_source) not in held:
                # An earlier attempt at this event may have written the article (or only its postings)
                # and died before the object's item named it; the newer event applied since could not
                # detach what it did not know of.
                self._detach(data.article_id, this_source, written_by=data)
            return Outcome.STALE
        applied = state.source
        outcome = Outcome.INDEXED
        records = state.all_records()
        replacing = applied is not None and not applied.deleted and applied.version_id != _version_of(data.source)
        if replacing:
            kept = self._detach_records(records, keep=(data.article_id, this_source))
            if len(kept) < len(records):
                outcome = Outcome.REPLACED
            records = kept
        source = SourceItem(
            pk=source_pk(bucket, key),
            sk=SOURCE_SK,
            bucket=bucket,
            key=key,
            version_id=_version_of(data.source),
            etag=data.source.etag,
            sequencer=data.source.sequencer,
            event_time=data.received_at.isoformat(),
            record_count=data.record_count,
        )
        if not single:
            # Claim the object's new state before writing its articles; a single-article object
            # is written once, at the end, with its article.
            self._store.put_source(source)
            reached(Boundary.INDEX_CLAIMED)
        previous_record = next((item for item in records if item.record == (record or 0)), None)
        if previous_record is not None and previous_record.source_id != this_source:
            previous_record = None  # a record of another shape of the object (one article vs several)
        if previous_record is not None and previous_record.article_id != data.article_id:
            self._detach(previous_record.article_id, previous_record.source_id)
            outcome = Outcome.REPLACED
        existing = self._store.get_article(data.article_id)
        # Text seen before keeps its first article item, so its postings keep their keys; only its
        # parsed copy follows the newest upload. Rewriting them all is cheaper than proving that
        # they survived an interrupted removal.
        if existing is not None:
            existing = existing.model_copy(update={"parsed_uri": data.parsed_uri, "parsed_range": data.parsed_range})
        article = existing or ArticleItem.of(data, self._policy)
        indexed = {entity.id for entity in article.entities}
        # The event's entities, not the article item's: only the event carries their aliases.
        self._store.put_profiles([entity for entity in data.entities if entity.id in indexed])
        self._store.put_postings(postings_for(article))
        self._store.put_quotes(quotes_for(article, data.quotes))
        reached(Boundary.INDEX_POSTINGS)
        self._store.put_article(article, this_source)
        reached(Boundary.INDEX_ARTICLE)
        if single:
            self._store.put_source(
                source.model_copy(update={"article_id": article.article_id, "source_id": this_source})
            )
            for stale in records:
                if stale.sk != SOURCE_SK and stale.source_id != this_source:
                    self._detach(stale.article_id, stale.source_id)
                    self._store.delete_record(stale)
        else:
            self._store.put_record(
                RecordItem(
                    pk=source_pk(bucket, key),
                    sk=record_sk(record),
                    record=record or 0,
                    article_id=article.article_id,
                    source_id=this_source,
                )
            )
        if state.rejected:
            self._store.delete_rejection(bucket, key)
        if outcome is Outcome.REPLACED or existing is None:
            return outcome
        already_here = previous_record is not None and previous_record.article_id == data.article_id
        return Outcome.ALREADY_INDEXED if already_here else Outcome.SOURCE_ADDED

    def _on_article_deleted(self, event: ArticleDeletedEvent) -> Outcome:
        source = event.data.source
        state = self._unless_stale(source, event.data.received_at)
        if state is None:
            return Outcome.STALE
        applied = state.source
        if applied is not None and source.version_id and applied.version_id not in (None, source.version_id):
            return Outcome.OTHER_VERSION  # an old version was purged; the indexed one remains
        if state.rejected:
            self._store.delete_rejection(source.bucket, source.key)
        # A tombstone: a create for this key that S3 delivers late must not bring the object back.
        tombstone = source.model_copy(update={"version_id": applied.version_id if applied else None, "etag": None})
        detached = self._empty_object(state, tombstone, event.data.received_at, deleted=True)
        return Outcome.DELETED if detached else Outcome.UNKNOWN_SOURCE

    def _on_article_rejected(self, event: ArticleRejectedEvent) -> Outcome:
        """A rejected version replaces what the object held: it detaches the previous version's articles."""
        source = event.data.source
        state = self._unless_stale(source, event.data.received_at)
        if state is None:
            return Outcome.STALE
        self._store.put_rejection(RejectionItem.of(event.data))
        versioned = source.model_copy(update={"version_id": _version_of(source)})
        detached = self._empty_object(state, versioned, event.data.received_at, deleted=False)
        return Outcome.REPLACED if detached else Outcome.REJECTION_RECORDED

    def _unless_stale(self, source: SourceRef, received_at: datetime) -> ObjectState | None:
        """What the index holds about the event's object; None when the event predates what was
        applied to it (S3 may deliver one key's events late or out of order)."""
        state = self._store.get_object(source.bucket, source.key)
        return None if self._is_stale(state, source, received_at) else state

    @staticmethod
    def _is_stale(state: ObjectState, source: SourceRef, received_at: datetime) -> bool:
        return state.source is not None and is_older(source.sequencer, received_at, state.source)

    def _empty_object(self, state: ObjectState, source: SourceRef, received_at: datetime, *, deleted: bool) -> bool:
        """Detach every article the object held and record that it now holds none (deleted, or a
        rejected version); True when something was detached."""
        records = state.all_records()
        detached = self._detach_records(records, keep=None) != records
        self._store.put_source(
            SourceItem(
                pk=source_pk(source.bucket, source.key),
                sk=SOURCE_SK,
                bucket=source.bucket,
                key=source.key,
                version_id=source.version_id,
                etag=source.etag,
                sequencer=source.sequencer,
                event_time=received_at.isoformat(),
                record_count=0,
                deleted=deleted,
            )
        )
        return detached

    def _detach_records(self, records: list[RecordItem], *, keep: tuple[str, str] | None) -> list[RecordItem]:
        """Detach an object's previous articles; returns the records kept (the same text again)."""
        kept = []
        for item in records:
            if keep is not None and (item.article_id, item.source_id) == keep:
                kept.append(item)
                continue
            self._detach(item.article_id, item.source_id)
            if item.sk != SOURCE_SK:  # a record named by the source item goes when it is rewritten
                self._store.delete_record(item)
        return kept

    def _detach(self, article_id: str, source: str, *, written_by: ArticleParsed | None = None) -> None:
        """Drop one source of an article; the article leaves the index with its last source. With no
        article item, the postings and quotes `written_by` would have made go: a crash between them
        and the article item left them behind."""
        remaining = self._store.remove_article_source(article_id, source)
        if remaining:
            return
        reached(Boundary.INDEX_SOURCE_REMOVED)
        article = self._store.get_article(article_id)
        if article is None and written_by is not None:
            article = ArticleItem.of(written_by, self._policy)
        if article is None:
            return
        self._store.delete_postings(postings_for(article))
        self._store.delete_quotes(quote_keys_for(article))
        reached(Boundary.INDEX_POSTINGS_DELETED)
        self._store.delete_article(article_id)

"""Applying events to the index so that replays, duplicates, crashes and late or reordered
deliveries change nothing twice: an event older than the newest applied to its object is ignored,
a new object version detaches the previous version's articles (whether it became articles or was
rejected), an article re-processed later by other versions replaces its entries (re-indexing), the
article item is written after its postings and removed after them, and an entity leaves the index
with its last posting (docs/design.md#consistency). A new article joins the story of the earlier
article it copies, found through its LSH band items (docs/design.md#stories).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from newsingest.crashpoints import Boundary, reached
from newsingest.entities import aliases as alias_tables
from newsingest.events import (
    ArticleDeletedEvent,
    ArticleParsed,
    ArticleParsedEvent,
    ArticleRejectedEvent,
    EntitiesReleasedEvent,
    EntitySummary,
    IndexEvent,
    StrayIndexEntriesEvent,
)
from newsingest.indexing.items import (
    DEFAULT_STORY_WINDOW_DAYS,
    SOURCE_SK,
    ArticleItem,
    BandItem,
    IndexPolicy,
    NameItem,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    StoryMemberItem,
    band_keys_of,
    band_pk,
    entity_of_pk,
    entity_shard_pk,
    member_sk,
    posting_sk,
    postings_for,
    quote_key,
    quote_keys_for,
    quotes_for,
    record_sk,
    shard_of,
    source_id,
    source_pk,
)
from newsingest.models import Fingerprint, SourceRef
from newsingest.provenance import Provenance
from newsingest.stories.similarity import SAME_STORY_JACCARD, estimated_jaccard

NAMES_CHECKED_CACHE_SIZE = 100_000
"""Entities whose name keys a process has checked after an alias-table change (~15 MB at ~150
bytes each): a re-index of every article checks each entity once per warm indexer, not per article."""


class Outcome(StrEnum):
    """What applying one event did, for logs and metrics."""

    INDEXED = "indexed"
    ALREADY_INDEXED = "already_indexed"
    SOURCE_ADDED = "source_added"
    REPLACED = "replaced"
    REINDEXED = "reindexed"
    DELETED = "deleted"
    STALE = "stale"
    UNKNOWN_SOURCE = "unknown_source"
    OTHER_VERSION = "other_version"
    REJECTION_RECORDED = "rejection_recorded"
    STRAY_REMOVED = "stray_removed"
    NOTHING_STRAY = "nothing_stray"
    ENTITIES_DROPPED = "entities_dropped"
    NOTHING_DROPPED = "nothing_dropped"


EntityReleaser = Callable[[str, list[str]], None]
"""Told the entities an article's removal or re-index deleted postings or quotations of (the article
id, the entity ids), to drop those left with none later; the Lambda handler sends them to the index
queue as `EntitiesReleased` events. Without one, the indexer drops them at once."""


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

    def put_profiles(self, entities: list[EntitySummary], made_by: str) -> None:
        """Make sure each entity has a profile (name, type) and a name-index key for each of its
        names and aliases, writing only what is new."""
        ...

    def drop_unused_entities(self, entity_ids: list[str]) -> list[str]:
        """Delete the profile and name keys of each entity no posting or quote is filed under any
        more (so look-up stops suggesting it); returns those dropped."""
        ...

    def entity_names(self, entity_id: str) -> list[NameItem]:
        """The entity's name keys (a consistent read)."""
        ...

    def delete_names(self, items: list[NameItem]) -> None:
        """Delete these name keys; a later article giving one of them writes it again."""
        ...

    def put_article(self, article: ArticleItem, source: str) -> None:
        """Create the article if absent and add `source` to its sources."""
        ...

    def replace_article(self, article: ArticleItem, source: str, *, previous: ArticleItem) -> None:
        """Overwrite the article item (keeping its sources, adding `source`) unless another event
        changed it since `previous` was read: then raise `ConcurrentChange`."""
        ...

    def remove_article_source(self, article_id: str, source: str) -> set[str]:
        """Remove one source from an article; returns the sources left."""
        ...

    def get_article_sources(self, article_id: str) -> list[str]: ...

    def delete_article(self, article_id: str) -> None: ...

    def put_rejection(self, item: RejectionItem) -> None: ...

    def delete_rejection(self, bucket: str | None, key: str) -> None: ...

    def band_items(self, pks: list[str]) -> list[BandItem]:
        """Every article filed under these band values (consistent reads)."""
        ...

    def put_bands(self, items: list[BandItem]) -> None: ...

    def delete_bands(self, keys: list[tuple[str, str]]) -> None: ...

    def put_story_members(self, items: list[StoryMemberItem]) -> None: ...

    def delete_story_member(self, story_id: str, article_id: str) -> None: ...


def _padded(sequencer: str, width: int) -> str:
    return sequencer.upper().ljust(width, "0")


def is_older(sequencer: str | None, event_time: datetime, applied: SourceItem) -> bool:
    """Whether an event predates the newest applied to its key. Sequencers compare as AWS documents
    (hex, the shorter right-padded with zeros); without one (moto, EventBridge replays), event time."""
    if sequencer and applied.sequencer:
        width = max(len(sequencer), len(applied.sequencer))
        return _padded(sequencer, width) < _padded(applied.sequencer, width)
    return event_time < datetime.fromisoformat(applied.event_time)


def ordering_time(source: SourceRef, received_at: datetime) -> datetime:
    """The time an event is ordered by when sequencers cannot say: a replay's read (`observed_at`:
    the version was current then), else when S3 reported the change."""
    return source.observed_at or received_at


def _version_of(source: SourceRef) -> str | None:
    return source.version_id or source.etag


def supersedes(event: ArticleParsed, article: ArticleItem) -> bool:
    """Whether the event re-made an indexed article with other versions (extractor, entity model,
    alias table), later than the event the item was made from: its entries are then replaced. The
    same versions again change nothing, and an event made earlier (delivered late, a dead letter
    redriven after a re-index) never rolls an article back. Items and events from before
    `processed_at` was recorded count as made earliest."""
    if event.made_by == article.made_by:
        return False
    if article.processed_at is None:
        return True
    return event.processed_at is not None and event.processed_at > datetime.fromisoformat(article.processed_at)


@dataclass(frozen=True)
class StoryChoice:
    """Which story a new article joins, and the writes that file it there (made before its item)."""

    story_id: str
    bands: list[BandItem]
    members: list[StoryMemberItem]


def best_copy(
    article_id: str, sort_time: str, sketch: str, candidates: list[BandItem], *, window: timedelta, now: datetime
) -> BandItem | None:
    """The earlier article a new one copies: among those sharing a band value, published within the
    window of it and not expired, the most similar past `SAME_STORY_JACCARD` (ties: the earliest
    published, then the smallest id, so every indexer picks the same)."""
    best: tuple[float, str, str] | None = None
    chosen: BandItem | None = None
    seen: set[str] = set()
    moment = datetime.fromisoformat(sort_time)
    for candidate in candidates:
        if candidate.article_id == article_id or candidate.article_id in seen:
            continue
        seen.add(candidate.article_id)
        if candidate.expires_at <= now.timestamp():
            continue  # past its window; DynamoDB deletes expired items within days, not at once
        if abs(datetime.fromisoformat(candidate.sort_time) - moment) > window:
            continue
        similarity = estimated_jaccard(sketch, candidate.sketch)
        if similarity < SAME_STORY_JACCARD:
            continue
        rank = (-similarity, candidate.sort_time, candidate.article_id)
        if best is None or rank < best:
            best, chosen = rank, candidate
    return chosen


class Indexer:
    """Keeps the index in step with the events."""

    def __init__(
        self,
        store: IndexStore,
        policy: IndexPolicy = IndexPolicy.EVIDENCE,
        *,
        story_window: timedelta = timedelta(days=DEFAULT_STORY_WINDOW_DAYS),
        aliases: Callable[[], alias_tables.AliasTable] | None = None,
        release: EntityReleaser | None = None,
    ) -> None:
        self._store = store
        self._release = release
        self._policy = policy
        self._story_window = story_window
        self._aliases = aliases
        self._names_checked: set[tuple[str, str]] = set()
        """(entity id, alias-table version) whose name keys this process has checked."""

    def apply(self, event: IndexEvent) -> Outcome:
        """Apply one event; raising leaves the index consistent and the event safe to retry."""
        if isinstance(event, ArticleParsedEvent):
            return self._on_article_parsed(event)
        if isinstance(event, ArticleDeletedEvent):
            return self._on_article_deleted(event)
        if isinstance(event, StrayIndexEntriesEvent):
            return self._on_stray_entries(event)
        if isinstance(event, EntitiesReleasedEvent):
            dropped = self._store.drop_unused_entities(event.data.entity_ids)
            return Outcome.ENTITIES_DROPPED if dropped else Outcome.NOTHING_DROPPED
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
            self._drop_strays(data, self._store.get_article(data.article_id))
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
            event_time=ordering_time(data.source, data.received_at).isoformat(),
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
        reindexing = existing is not None and supersedes(data, existing)
        story: StoryChoice | None = None
        if existing is None or reindexing:
            # A re-indexed article keeps its time (and keys) unless the new versions found a date.
            kept_time = existing.sort_time if existing is not None and data.published_at is None else None
            article = ArticleItem.of(data, self._policy, sort_time=kept_time)
            story = self._choose_story(article, data, existing)
            joined = story.story_id if story.story_id != article.article_id else None
            article = article.model_copy(
                update={"story_id": joined, "band_keys": band_keys_of([band.pk for band in story.bands])}
            )
        elif data.made_by == existing.made_by:
            # Text seen before keeps its article item, so its postings keep their keys; only its parsed
            # copy follows the newest upload. Rewriting them all is cheaper than proving that they
            # survived an interrupted removal.
            article = existing.model_copy(update={"parsed_uri": data.parsed_uri, "parsed_range": data.parsed_range})
        else:
            article = existing  # made earlier by other versions: its parsed copy is not the item's
        indexed = {entity.id for entity in article.entities}
        # The event's entities, not the article item's: only the event carries their aliases. An event
        # made with other versions than the item (delivered late) has another table's aliases.
        same_versions = data.made_by == article.made_by
        self._store.put_profiles(
            [
                entity if same_versions else entity.model_copy(update={"aliases": []})
                for entity in data.entities
                if entity.id in indexed
            ],
            article.made_by,
        )
        if reindexing:
            self._drop_names_given_elsewhere(data, sorted(indexed))
        self._store.put_postings(postings_for(article))
        self._store.put_quotes(quotes_for(article, data.quotes))
        if story is not None:
            # Filed in its story before its item exists: a retry finds its own band items and keeps
            # the story they name.
            self._store.put_story_members(story.members)
            self._store.put_bands(story.bands)
        if existing is not None:
            self._drop_strays(data, article)
        reached(Boundary.INDEX_POSTINGS)
        if existing is not None and reindexing:
            # What the new versions no longer file the article under goes before the item changes,
            # so until it does, a retry (the item still names the old entries) repeats all of it.
            self._remove_entries(existing, keep=article)
            stale_bands = [pk for pk in existing.bands if pk not in article.bands]  # another signature scheme
            self._store.delete_bands([(pk, member_sk(article.article_id)) for pk in stale_bands])
            self._store.replace_article(article, this_source, previous=existing)
            outcome = Outcome.REINDEXED if outcome is Outcome.INDEXED else outcome
        else:
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
        if outcome in (Outcome.REPLACED, Outcome.REINDEXED) or existing is None:
            return outcome
        already_here = previous_record is not None and previous_record.article_id == data.article_id
        return Outcome.ALREADY_INDEXED if already_here else Outcome.SOURCE_ADDED

    def _choose_story(self, article: ArticleItem, data: ArticleParsed, existing: ArticleItem | None) -> StoryChoice:
        """The story of an article new to the index, or re-indexed: a re-indexed article stays in its
        story; a new one joins the story of the earlier article it copies (`best_copy`), else starts
        its own, whose id is its own. A retry after a crash keeps the story its band items name.

        Write units: an article that starts a story is filed under all its band values; one that
        joins a story gets a member item and band items only for the values no article of its story
        is filed under already (a later copy sharing one of those finds the story there). The
        article that started a story needs no member item: the story's id names it."""
        fingerprint: Fingerprint | None = data.fingerprint
        now = data.processed_at or data.received_at
        expires_at = int((now + self._story_window).timestamp())
        pks = [band_pk(fingerprint.scheme, band) for band in fingerprint.bands] if fingerprint else []
        if existing is not None and (existing.story_id is not None or existing.bands):
            story_id = existing.story
            kept = [pk for pk in pks if pk in existing.bands]
            wanted = kept if kept or story_id != article.article_id else pks
        else:
            candidates = self._store.band_items(pks) if pks else []
            own = next((item for item in candidates if item.article_id == article.article_id), None)
            matched = (
                best_copy(
                    article.article_id,
                    article.sort_time,
                    fingerprint.sketch,
                    candidates,
                    window=self._story_window,
                    now=now,
                )
                if fingerprint is not None and own is None
                else None
            )
            story_id = own.story_id if own else matched.story_id if matched else article.article_id
            covered = {
                item.pk for item in candidates if item.story_id == story_id and item.article_id != article.article_id
            }
            wanted = [pk for pk in pks if pk not in covered]
        filed = article.model_copy(update={"story_id": story_id if story_id != article.article_id else None})
        bands = [BandItem.of(filed, pk, fingerprint.sketch, expires_at) for pk in wanted] if fingerprint else []
        members = (
            [StoryMemberItem.of(story_id, article.article_id, article.sort_time)]
            if story_id != article.article_id
            else []
        )
        return StoryChoice(story_id=story_id, bands=bands, members=members)

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
        detached = self._empty_object(state, tombstone, ordering_time(source, event.data.received_at), deleted=True)
        return Outcome.DELETED if detached else Outcome.UNKNOWN_SOURCE

    def _on_article_rejected(self, event: ArticleRejectedEvent) -> Outcome:
        """A rejected version replaces what the object held: it detaches the previous version's articles."""
        source = event.data.source
        state = self._unless_stale(source, event.data.received_at)
        if state is None:
            return Outcome.STALE
        self._store.put_rejection(RejectionItem.of(event.data))
        versioned = source.model_copy(update={"version_id": _version_of(source)})
        detached = self._empty_object(state, versioned, ordering_time(source, event.data.received_at), deleted=False)
        return Outcome.REPLACED if detached else Outcome.REJECTION_RECORDED

    def _on_stray_entries(self, event: StrayIndexEntriesEvent) -> Outcome:
        """Remove what a reconcile found stray, each entry only if it still is: a source whose object's
        entries (read now) do not name the article is detached as a removal would (the article leaves
        with its last source), and a posting or quotation the article item does not account for is
        deleted."""
        data = event.data
        removed = False
        for stray in data.sources:
            state = self._store.get_object(stray.bucket, stray.key)
            if any(
                (item.article_id, item.source_id) == (data.article_id, stray.source_id) for item in state.all_records()
            ):
                continue  # the object holds the article again
            self._detach(data.article_id, stray.source_id)
            removed = True
        article = self._store.get_article(data.article_id)
        kept_postings = {(posting.pk, posting.sk) for posting in postings_for(article)} if article else set()
        kept_quotes = set(quote_keys_for(article)) if article else set()
        postings = [
            posting
            for posting in (_posting_key(data.article_id, entry.entity_id, entry.sort_time) for entry in data.postings)
            if (posting.pk, posting.sk) not in kept_postings
        ]
        quotes = [
            key
            for key in (quote_key(entry.entity_id, entry.sort_time, data.article_id) for entry in data.quotes)
            if key not in kept_quotes
        ]
        if data.unsourced and article is not None and not self._store.get_article_sources(data.article_id):
            self._remove_article(article)
            return Outcome.STRAY_REMOVED
        self._delete_entries(data.article_id, postings, quotes)
        return Outcome.STRAY_REMOVED if removed or postings or quotes else Outcome.NOTHING_STRAY

    def _unless_stale(self, source: SourceRef, received_at: datetime) -> ObjectState | None:
        """What the index holds about the event's object; None when the event predates what was
        applied to it (S3 may deliver one key's events late or out of order)."""
        state = self._store.get_object(source.bucket, source.key)
        return None if self._is_stale(state, source, received_at) else state

    @staticmethod
    def _is_stale(state: ObjectState, source: SourceRef, received_at: datetime) -> bool:
        return state.source is not None and is_older(source.sequencer, ordering_time(source, received_at), state.source)

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
            article = self._as_written(written_by)
        if article is not None:
            self._remove_article(article)

    def _drop_strays(self, data: ArticleParsed, article: ArticleItem | None) -> None:
        """The postings and quotes an earlier attempt at this event wrote under its own time (the
        upload time of a text with no date), when the article's item, written meanwhile by another
        event, files it under another time: never read, but counted in the entities' totals."""
        own = ArticleItem.of(data, self._policy)
        if article is None or article.sort_time == own.sort_time:
            return
        filed = {(posting.pk, posting.sk) for posting in postings_for(article)}
        self._delete_entries(
            data.article_id,
            [posting for posting in postings_for(own) if (posting.pk, posting.sk) not in filed],
            [key for key in quote_keys_for(own) if key not in set(quote_keys_for(article))],
        )

    def _drop_names_given_elsewhere(self, data: ArticleParsed, entity_ids: list[str]) -> None:
        """After a re-index under a new alias table, the name keys an older table gave these entities
        that the new one gives another (a split: "Kiev" leaves Kyiv's keys once Kiev is a place of its
        own). Checked once per entity and table in a process, and only when the event was made with
        the table this process has (a deploy in progress may run two)."""
        version = Provenance.parse(data.made_by).aliases
        table = self._aliases() if self._aliases is not None else alias_tables.alias_table()
        if version is None or version != table.version:
            return
        for entity_id in entity_ids:
            if (entity_id, version) in self._names_checked:
                continue
            foreign = []
            for item in self._store.entity_names(entity_id):
                if Provenance.parse(item.made_by or "").aliases == version:
                    continue
                known = table.lookup(item.name)
                if known is not None and known.id != entity_id:
                    foreign.append(item)
            self._store.delete_names(foreign)
            if len(self._names_checked) >= NAMES_CHECKED_CACHE_SIZE:
                self._names_checked.clear()
            self._names_checked.add((entity_id, version))

    def _as_written(self, data: ArticleParsed) -> ArticleItem:
        """The article item an attempt at `data` that died before writing it would have written,
        with the story it chose and the band items it filed (the same reads give the same choice,
        and its own band items name it), so removing it finds its member and band items too."""
        article = ArticleItem.of(data, self._policy)
        story = self._choose_story(article, data, None)
        joined = story.story_id if story.story_id != article.article_id else None
        return article.model_copy(
            update={"story_id": joined, "band_keys": band_keys_of([band.pk for band in story.bands])}
        )

    def _remove_article(self, article: ArticleItem) -> None:
        """Postings and quotations first, then its band items and story membership (the next copy
        becomes the story's canonical article; the story keeps its id when the article that started
        it goes), the article item last, so a crash leaves it to find again."""
        self._remove_entries(article, keep=None)
        reached(Boundary.INDEX_POSTINGS_DELETED)
        self._store.delete_bands([(pk, member_sk(article.article_id)) for pk in article.bands])
        if article.story_id not in (None, article.article_id):  # it joined a story: a member item
            self._store.delete_story_member(article.story_id, article.article_id)
        self._store.delete_article(article.article_id)

    def _remove_entries(self, article: ArticleItem, *, keep: ArticleItem | None) -> None:
        """Delete the article's postings and quotes that `keep` (its re-indexed item) does not
        rewrite, then the profile and names of each entity left with none."""
        kept_postings = {(posting.pk, posting.sk) for posting in postings_for(keep)} if keep else set()
        kept_quotes = set(quote_keys_for(keep)) if keep else set()
        postings = [posting for posting in postings_for(article) if (posting.pk, posting.sk) not in kept_postings]
        quotes = [key for key in quote_keys_for(article) if key not in kept_quotes]
        self._delete_entries(article.article_id, postings, quotes)

    def _delete_entries(self, article_id: str, postings: list[PostingItem], quotes: list[tuple[str, str]]) -> None:
        """Delete postings and quotes, then release their entities: each left with none loses its
        profile and names, at once or (with a releaser) in events of their own. Released before the
        article item goes, so a retry after a crash releases them again."""
        self._store.delete_postings(postings)
        self._store.delete_quotes(quotes)
        touched = sorted({posting.entity_id for posting in postings} | {entity_of_pk(pk) for pk, _ in quotes})
        if not touched:
            return
        if self._release is None:
            self._store.drop_unused_entities(touched)
        else:
            self._release(article_id, touched)


def _posting_key(article_id: str, entity_id: str, sort_time: str) -> PostingItem:
    """A posting to delete: `delete_postings` reads only its key (entity, shard, time, article)."""
    return PostingItem(
        pk=entity_shard_pk(entity_id, shard_of(article_id)),
        sk=posting_sk(sort_time, article_id),
        entity_id=entity_id,
        article_id=article_id,
        sort_time=sort_time,
        mention_count=1,
        salience=0.0,
    )

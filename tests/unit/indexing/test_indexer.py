"""The indexer's rules without AWS, on an in-memory IndexStore: versions replace each other, late
events change nothing, removals and rejections detach what an object held, and the same text
under two keys is one article that leaves with its last source."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsingest.entities.aliases import AliasTable
from newsingest.errors import ConcurrentChange, RejectReason
from newsingest.events import (
    ENTITIES_PER_RELEASE,
    ArticleParsedEvent,
    EntitySummary,
    IndexEvent,
    article_deleted_event,
    article_parsed_event,
    article_rejected_event,
    entities_released_events,
)
from newsingest.indexing.items import (
    ARTICLE_SK,
    RECORD_SK_PREFIX,
    REJECTED_SK,
    SOURCE_SK,
    ArticleItem,
    BandItem,
    NameItem,
    ObjectState,
    PostingItem,
    QuoteItem,
    RecordItem,
    RejectionItem,
    SourceItem,
    StoryMemberItem,
    article_pk,
    member_sk,
    names_for,
    source_pk,
    story_pk,
)
from newsingest.indexing.service import Indexer, Outcome
from newsingest.models import Article, Quote, SourceRef

T0 = datetime(2024, 3, 18, 17, 0, tzinfo=UTC)
BUCKET = "articles"


class MemoryIndex:
    """IndexStore over a dict keyed (pk, sk), with the article's sources as a set, as DynamoDB keeps them."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Any] = {}
        self.sources: dict[str, set[str]] = {}
        self.profiles: dict[str, str] = {}
        """Entity id -> the made_by of its profile."""
        self.names: dict[str, dict[str, NameItem]] = {}
        """Entity id -> its name keys by key."""

    def get_object(self, bucket: str | None, key: str) -> ObjectState:
        pk = source_pk(bucket, key)
        return ObjectState(
            source=self.items.get((pk, SOURCE_SK)),
            records=[item for (ipk, sk), item in self.items.items() if ipk == pk and sk.startswith(RECORD_SK_PREFIX)],
            rejected=(pk, REJECTED_SK) in self.items,
        )

    def put_source(self, item: SourceItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def put_record(self, item: RecordItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def delete_record(self, item: RecordItem) -> None:
        self.items.pop((item.pk, item.sk), None)

    def get_article(self, article_id: str) -> ArticleItem | None:
        article: ArticleItem | None = self.items.get((article_pk(article_id), ARTICLE_SK))
        return article

    def put_postings(self, postings: list[PostingItem]) -> None:
        self.items.update({(posting.pk, posting.sk): posting for posting in postings})

    def delete_postings(self, postings: list[PostingItem]) -> None:
        for posting in postings:
            self.items.pop((posting.pk, posting.sk), None)

    def put_quotes(self, quotes: list[QuoteItem]) -> None:
        self.items.update({(quote.pk, quote.sk): quote for quote in quotes})

    def delete_quotes(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.items.pop(key, None)

    def put_profiles(self, entities: list[EntitySummary], made_by: str) -> None:
        for entity in entities:
            self.profiles.setdefault(entity.id, made_by)
            for name in names_for(entity, made_by):
                self.names.setdefault(entity.id, {}).setdefault(name.key, name)

    def drop_unused_entities(self, entity_ids: list[str]) -> list[str]:
        unused = [entity for entity in entity_ids if not self.entries(entity) and entity in self.profiles]
        for entity in unused:
            del self.profiles[entity]
            self.names.pop(entity, None)
        return unused

    def entity_names(self, entity_id: str) -> list[NameItem]:
        return list(self.names.get(entity_id, {}).values())

    def delete_names(self, items: list[NameItem]) -> None:
        for item in items:
            self.names.get(item.entity_id, {}).pop(item.key, None)

    def put_article(self, article: ArticleItem, source: str) -> None:
        held = self.items.setdefault((article.pk, article.sk), article)
        self.items[(article.pk, article.sk)] = held.model_copy(
            update={"parsed_uri": article.parsed_uri, "parsed_range": article.parsed_range}
        )
        self.sources.setdefault(article.article_id, set()).add(source)

    def replace_article(self, article: ArticleItem, source: str, *, previous: ArticleItem) -> None:
        held = self.items.get((article.pk, article.sk))
        if held is None or (held.made_by, held.processed_at) != (previous.made_by, previous.processed_at):
            raise ConcurrentChange(article.article_id)
        self.items[(article.pk, article.sk)] = article
        self.sources.setdefault(article.article_id, set()).add(source)

    def remove_article_source(self, article_id: str, source: str) -> set[str]:
        remaining = self.sources.get(article_id, set())
        remaining.discard(source)
        return set(remaining)

    def delete_article(self, article_id: str) -> None:
        self.items.pop((article_pk(article_id), ARTICLE_SK), None)
        self.sources.pop(article_id, None)

    def put_rejection(self, item: RejectionItem) -> None:
        self.items[(item.pk, item.sk)] = item

    def delete_rejection(self, bucket: str | None, key: str) -> None:
        self.items.pop((source_pk(bucket, key), REJECTED_SK), None)

    def band_items(self, pks: list[str]) -> list[BandItem]:
        return [item for (pk, _), item in self.items.items() if pk in pks and isinstance(item, BandItem)]

    def put_bands(self, items: list[BandItem]) -> None:
        self.items.update({(item.pk, item.sk): item for item in items})

    def delete_bands(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.items.pop(key, None)

    def story_members(self, story_id: str) -> list[StoryMemberItem]:
        return [item for item in self.items.values() if isinstance(item, StoryMemberItem) and item.story_id == story_id]

    def put_story_members(self, items: list[StoryMemberItem]) -> None:
        self.items.update({(item.pk, item.sk): item for item in items})

    def delete_story_member(self, story_id: str, article_id: str) -> None:
        self.items.pop((story_pk(story_id), member_sk(article_id)), None)

    def entries(self, entity_id: str) -> list[PostingItem | QuoteItem]:
        """The postings and quotes filed under an entity."""
        return [
            item
            for item in self.items.values()
            if (isinstance(item, PostingItem) and item.entity_id == entity_id)
            or (isinstance(item, QuoteItem) and item.speaker_id == entity_id)
        ]

    def postings(self, entity_id: str) -> set[str]:
        """Ids of the articles an entity's postings name."""
        return {
            item.article_id
            for item in self.items.values()
            if isinstance(item, PostingItem) and item.entity_id == entity_id
        }


class World:
    """One bucket's history as S3 would notify it: every event carries the next sequencer."""

    def __init__(self, article_factory: Callable[..., Article]) -> None:
        self.index = MemoryIndex()
        self.indexer = Indexer(self.index)
        self.make = article_factory
        self.clock = 0

    def _next(self) -> tuple[str, datetime]:
        self.clock += 1
        return f"{self.clock:016X}", T0 + timedelta(seconds=self.clock)

    def put(
        self, key: str, text: str, entity: str, *, version: str, quotes: list[Quote] | None = None
    ) -> tuple[ArticleParsedEvent, Article]:
        sequencer, moment = self._next()
        article = self.make(
            text, key=key, bucket=BUCKET, entities=[(entity, "location", 1)], published=T0.isoformat(), quotes=quotes
        )
        source = article.source.model_copy(update={"version_id": version, "sequencer": sequencer})
        article = article.model_copy(update={"source": source, "alias_table_version": "1"})
        event = article_parsed_event(
            article,
            parsed_uri="s3://b/parsed/x.ndjson",
            parsed_range="bytes=0-9",
            received_at=moment,
            record_count=1,
            processed_at=moment,
        )
        return event, article

    def remade(
        self,
        event: ArticleParsedEvent,
        article: Article,
        entities: list[tuple[str, str, int]],
        *,
        aliases: str,
        quotes: list[Quote] | None = None,
        published: str | None = None,
    ) -> ArticleParsedEvent:
        """The same object version processed again, later, by other versions (`newsingest reindex`)."""
        _, moment = self._next()
        again = self.make(
            article.text,
            key=article.source.key,
            bucket=BUCKET,
            entities=entities,
            published=published or T0.isoformat(),
            quotes=quotes,
        )
        again = again.model_copy(update={"source": article.source, "alias_table_version": aliases})
        return article_parsed_event(
            again,
            parsed_uri="s3://b/parsed/y.ndjson",
            parsed_range="bytes=10-19",
            received_at=event.data.received_at,
            processed_at=moment,
        )

    def delete(self, key: str, version: str | None = None) -> IndexEvent:
        sequencer, moment = self._next()
        source = SourceRef(bucket=BUCKET, key=key, version_id=version, sequencer=sequencer)
        return article_deleted_event(source, received_at=moment)

    def reject(self, key: str, *, version: str) -> IndexEvent:
        sequencer, moment = self._next()
        source = SourceRef(bucket=BUCKET, key=key, version_id=version, sequencer=sequencer)
        return article_rejected_event(source, reason=RejectReason.EMPTY, message="empty", received_at=moment)

    def apply(self, *events: IndexEvent) -> list[Outcome]:
        return [self.indexer.apply(event) for event in events]


@pytest.fixture
def world(article_factory: Callable[..., Article]) -> World:
    return World(article_factory)


def test_a_new_version_replaces_the_old_and_a_late_old_event_changes_nothing(world: World) -> None:
    first, old = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    second, new = world.put("a.txt", "Odesa thanked Rome.", "Odesa", version="v2")
    assert world.apply(first, second) == [Outcome.INDEXED, Outcome.REPLACED]
    assert world.index.get_article(old.id) is None and world.index.postings("location:kyiv") == set()
    # The first version's event delivered again, late
    assert world.apply(first) == [Outcome.STALE]
    assert world.index.postings("location:odesa") == {new.id}


@pytest.mark.parametrize("order", ["delete first", "parse first"])
def test_a_delete_marker_racing_the_first_ingest_leaves_nothing(world: World, order: str) -> None:
    parsed, article = world.put("raced.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    marker = world.delete("raced.txt")
    world.apply(*((marker, parsed) if order == "delete first" else (parsed, marker)))
    assert world.index.get_article(article.id) is None and world.index.postings("location:kyiv") == set()


def test_a_rejected_overwrite_detaches_the_old_article(world: World) -> None:
    parsed, article = world.put("a.html", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(parsed, world.reject("a.html", version="v2"))
    assert world.index.get_article(article.id) is None and world.index.postings("location:kyiv") == set()
    assert world.index.get_object(BUCKET, "a.html").rejected


def test_the_same_text_under_two_keys_leaves_with_its_last_source(world: World) -> None:
    one, article = world.put("one.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    two, _ = world.put("two.txt", "Kyiv thanked Warsaw.", "Kyiv", version="w1")
    assert world.apply(one, two) == [Outcome.INDEXED, Outcome.SOURCE_ADDED]
    world.apply(world.delete("one.txt"))
    assert world.index.get_article(article.id) is not None
    assert world.index.sources[article.id] == {f"{BUCKET}/two.txt"}
    world.apply(world.reject("two.txt", version="w2"))
    assert world.index.get_article(article.id) is None


def test_purging_an_old_version_keeps_the_current_one(world: World) -> None:
    first, _ = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    second, current = world.put("a.txt", "Odesa thanked Rome.", "Odesa", version="v2")
    world.apply(first, second)
    assert world.apply(world.delete("a.txt", version="v1")) == [Outcome.OTHER_VERSION]
    assert world.index.get_article(current.id) is not None


def test_bytes_a_key_held_before_come_back_as_a_new_version(world: World) -> None:
    first, article = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(first, world.delete("a.txt"))
    again, _ = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v3")
    assert world.apply(again) == [Outcome.INDEXED]
    assert world.index.postings("location:kyiv") == {article.id}


# -- re-indexing: the same article re-processed by other versions --------------------------


def test_an_alias_table_merge_moves_the_article_and_drops_the_old_entity(world: World) -> None:
    # Given "Kiev" and "Kyiv" as two entities under alias table 1
    kiev_event, kiev = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    kyiv_event, kyiv = world.put("b.txt", "Kyiv thanked Rome.", "Kyiv", version="w1")
    world.apply(kiev_event, kyiv_event)
    assert world.index.postings("location:kiev") == {kiev.id} and "location:kiev" in world.index.profiles
    # When alias table 2 makes "Kiev" a name of Kyiv and the first article is processed again
    again = world.remade(kiev_event, kiev, [("Kyiv", "location", 1)], aliases="2")
    assert world.apply(again) == [Outcome.REINDEXED]
    # Then it is filed under Kyiv only, and nothing is left under the old id
    assert world.index.postings("location:kyiv") == {kiev.id, kyiv.id}
    assert world.index.entries("location:kiev") == [] and "location:kiev" not in world.index.profiles
    item = world.index.get_article(kiev.id)
    assert item is not None and [entity.id for entity in item.entities] == ["location:kyiv"]
    assert item.alias_table_version == "2" and item.parsed_range == "bytes=10-19"
    assert {posting.made_by for posting in world.index.entries("location:kyiv")} == {"test/-/2", "test/-/1"}
    assert world.index.sources[kiev.id] == {f"{BUCKET}/a.txt"}


def test_a_split_moves_only_the_articles_that_name_the_new_entity(world: World) -> None:
    # Given one entity for two names under alias table 1
    one_event, one = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    two_event, two = world.put("b.txt", "Kiev thanked Rome.", "Kyiv", version="w1")
    world.apply(one_event, two_event)
    # When alias table 2 splits them and both are processed again
    world.apply(
        world.remade(one_event, one, [("Kyiv", "location", 1)], aliases="2"),
        world.remade(two_event, two, [("Kiev", "location", 1)], aliases="2"),
    )
    # Then each is under its own id, and both ids have a profile
    assert world.index.postings("location:kyiv") == {one.id}
    assert world.index.postings("location:kiev") == {two.id}
    assert {"location:kyiv", "location:kiev"} <= set(world.index.profiles)


def test_a_split_takes_the_name_the_old_table_gave_to_the_new_entity(world: World) -> None:
    # Given "Kiev" as another name of Kyiv under alias table 1: Kyiv's name keys include "kiev"
    def known_as_kyiv(event: ArticleParsedEvent) -> ArticleParsedEvent:
        entities = [entity.model_copy(update={"aliases": ["Kiev"], "known": True}) for entity in event.data.entities]
        return event.model_copy(update={"data": event.data.model_copy(update={"entities": entities})})

    one_event, one = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    two_event, two = world.put("b.txt", "Kiev thanked Rome.", "Kyiv", version="w1")
    world.apply(known_as_kyiv(one_event), known_as_kyiv(two_event))
    assert set(world.index.names["location:kyiv"]) == {"kyiv", "kiev"}
    # When alias table 2 makes Kiev a place of its own and both articles are processed again
    split = AliasTable("# version: 2\nlocation\tKyiv\tQ1899\nlocation\tKiev\t-\n")
    world.indexer = Indexer(world.index, aliases=lambda: split)
    world.apply(
        world.remade(one_event, one, [("Kyiv", "location", 1)], aliases="2"),
        world.remade(two_event, two, [("Kiev", "location", 1)], aliases="2"),
    )
    # Then "kiev" finds only Kiev: Kyiv lost the key the old table gave it
    assert set(world.index.names["location:kyiv"]) == {"kyiv"}
    assert set(world.index.names["location:kiev"]) == {"kiev"}


def test_a_late_event_made_with_the_old_table_gives_back_no_alias(world: World) -> None:
    # Given an article about Kyiv re-indexed under table 2
    event, article = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(world.remade(event, article, [("Kyiv", "location", 1)], aliases="2"))
    keys = set(world.index.names["location:kyiv"])
    # When the first event, made with table 1, which also called Kyiv "Kijów", is delivered late
    entities = [entity.model_copy(update={"aliases": ["Kijów"]}) for entity in event.data.entities]
    late = event.model_copy(update={"data": event.data.model_copy(update={"entities": entities})})
    assert world.apply(late) == [Outcome.ALREADY_INDEXED]
    # Then Kyiv's name keys are those of the table the article was last made with
    assert set(world.index.names["location:kyiv"]) == keys and "kijow" not in keys


def test_quotes_follow_their_speaker_to_the_new_id(world: World) -> None:
    said = Quote(text="We stand firm", start=0, end=13, speaker_id="person:v-zelensky", speaker_name="V. Zelensky")
    event, article = world.put("a.txt", "Zelensky spoke.", "Kyiv", version="v1", quotes=[said])
    event = event.model_copy(
        update={"data": event.data.model_copy(update={"entities": [*event.data.entities, _person("V. Zelensky")]})}
    )
    world.apply(event)
    assert [item.speaker_id for item in world.index.entries("person:v-zelensky") if isinstance(item, QuoteItem)]
    moved = said.model_copy(update={"speaker_id": "person:volodymyr-zelensky", "speaker_name": "Volodymyr Zelensky"})
    again = world.remade(event, article, [("Kyiv", "location", 1), ("Volodymyr Zelensky", "person", 1)], aliases="2")
    again = again.model_copy(update={"data": again.data.model_copy(update={"quotes": [moved]})})
    world.apply(again)
    assert world.index.entries("person:v-zelensky") == [] and "person:v-zelensky" not in world.index.profiles
    quotes = [item for item in world.index.entries("person:volodymyr-zelensky") if isinstance(item, QuoteItem)]
    assert [quote.texts for quote in quotes] == [["We stand firm"]]


def _person(name: str) -> EntitySummary:
    return EntitySummary(
        id=f"person:{name.lower().replace('. ', '-').replace(' ', '-')}",
        name=name,
        type="person",
        mention_count=1,
        salience=0.5,
    )


def test_the_same_versions_again_and_an_earlier_processing_change_nothing(world: World) -> None:
    event, article = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    again = world.remade(event, article, [("Kyiv", "location", 1)], aliases="2")
    world.apply(event, again)
    snapshot = dict(world.index.items), dict(world.index.profiles)
    # The re-index delivered twice, then the first processing redriven from a dead-letter queue
    assert world.apply(again, event) == [Outcome.ALREADY_INDEXED, Outcome.ALREADY_INDEXED]
    assert world.index.postings("location:kiev") == set() and world.index.postings("location:kyiv") == {article.id}
    item = world.index.get_article(article.id)
    assert item is not None and item.alias_table_version == "2" and item.parsed_range == "bytes=10-19"
    assert world.index.items == snapshot[0] and world.index.profiles == snapshot[1]


def test_a_new_date_moves_every_posting_to_its_new_key(world: World) -> None:
    event, article = world.put("a.txt", "Kyiv thanked Warsaw.", "Kyiv", version="v1")
    world.apply(event)
    world.apply(world.remade(event, article, [("Kyiv", "location", 1)], aliases="2", published="2024-01-05T10:00:00Z"))
    [posting] = world.index.entries("location:kyiv")
    assert posting.sort_time == "2024-01-05T10:00:00Z" and "location:kyiv" in world.index.profiles


class Crash(Exception):
    pass


@pytest.mark.parametrize("step", ["put_postings", "delete_postings", "drop_unused_entities", "replace_article"])
def test_a_reindex_that_crashes_at_any_step_completes_when_retried(world: World, step: str) -> None:
    # Given an article under "Kiev" and another under "Kyiv"
    event, article = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    world.apply(event, world.put("b.txt", "Kyiv thanked Rome.", "Kyiv", version="w1")[0])
    again = world.remade(event, article, [("Kyiv", "location", 1)], aliases="2")
    # When the re-index stops at a step
    real = getattr(world.index, step)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise Crash(step)

    setattr(world.index, step, crash)
    with pytest.raises(Crash):
        world.apply(again)
    # Then the article item still says what made it, so the retry does the whole re-index
    item = world.index.get_article(article.id)
    assert item is not None and item.alias_table_version == "1"
    setattr(world.index, step, real)
    assert world.apply(again) == [Outcome.REINDEXED]
    assert world.index.postings("location:kiev") == set() and "location:kiev" not in world.index.profiles
    assert len(world.index.postings("location:kyiv")) == 2


def test_a_reindex_racing_another_fails_to_be_retried(world: World) -> None:
    event, article = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    world.apply(event)
    first = world.remade(event, article, [("Kyiv", "location", 1)], aliases="2")
    second = world.remade(event, article, [("Kyiv", "location", 1)], aliases="3")
    read = world.index.get_article(article.id)
    world.apply(second)  # lands between the first's read and its write
    world.index.get_article = lambda article_id: read  # type: ignore[method-assign]
    with pytest.raises(ConcurrentChange):
        world.apply(first)
    del world.index.get_article
    assert world.apply(first) == [Outcome.ALREADY_INDEXED]  # made earlier than the item: not applied
    item = world.index.get_article(article.id)
    assert item is not None and item.alias_table_version == "3"


def test_a_deleted_articles_entities_leave_with_it(world: World) -> None:
    event, _ = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    world.apply(event)
    world.apply(world.delete("a.txt"))
    assert "location:kiev" not in world.index.profiles
    again, _ = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v2")
    world.apply(again)
    assert "location:kiev" in world.index.profiles


def test_with_a_releaser_a_removal_hands_over_its_entities_and_their_event_drops_them(world: World) -> None:
    # Given an indexer that hands released entities on (the Lambda handler queues them)
    released: list[tuple[str, list[str]]] = []
    world.indexer = Indexer(world.index, release=lambda article_id, ids: released.append((article_id, ids)))
    event, article = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    world.apply(event)
    # When the article is deleted
    assert world.apply(world.delete("a.txt")) == [Outcome.DELETED]
    # Then its entity is handed over, not dropped yet
    assert released == [(article.id, ["location:kiev"])]
    assert "location:kiev" in world.index.profiles
    # When the handed-over entities' events are applied (twice: SQS delivers at least once)
    events = entities_released_events(article.id, ["location:kiev"], released_at=T0)
    # Then the entity goes, and the second delivery finds nothing left to drop
    assert world.apply(*events, *events) == [Outcome.ENTITIES_DROPPED, Outcome.NOTHING_DROPPED]
    assert "location:kiev" not in world.index.profiles


def test_an_entity_named_again_before_its_release_is_applied_stays(world: World) -> None:
    world.indexer = Indexer(world.index, release=lambda article_id, ids: None)
    event, article = world.put("a.txt", "Kiev thanked Warsaw.", "Kiev", version="v1")
    world.apply(event, world.delete("a.txt"))
    again, _ = world.put("b.txt", "Kiev thanked Vilnius.", "Kiev", version="v1")
    world.apply(again)
    events = entities_released_events(article.id, ["location:kiev"], released_at=T0)
    assert world.apply(*events) == [Outcome.NOTHING_DROPPED]
    assert "location:kiev" in world.index.profiles


def test_released_entities_go_a_few_per_event_with_ids_a_retry_repeats() -> None:
    ids = [f"location:town-{index:02d}" for index in range(2 * ENTITIES_PER_RELEASE + 1)]
    events = entities_released_events("a1", list(reversed(ids)), released_at=T0)
    assert [event.data.entity_ids for event in events] == [
        ids[:ENTITIES_PER_RELEASE],
        ids[ENTITIES_PER_RELEASE : 2 * ENTITIES_PER_RELEASE],
        ids[2 * ENTITIES_PER_RELEASE :],
    ]
    later = entities_released_events("a1", ids, released_at=T0 + timedelta(minutes=5))
    assert [event.id for event in later] == [event.id for event in events]
    assert (
        len({event.id for event in entities_released_events("a2", ids, released_at=T0)} & {e.id for e in events}) == 0
    )

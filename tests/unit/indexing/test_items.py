"""Index keys: derived from content and source, sortable by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from newsingest.events import ArticleParsed, EntitySummary
from newsingest.indexing.items import (
    ArticleItem,
    IndexPolicy,
    billed_bytes,
    posting_sk,
    postings_for,
    source_pk,
    to_sort_time,
)
from newsingest.models import EntityType, Quote


def test_sort_time_is_utc_and_sorts_in_time_order() -> None:
    paris = timezone(timedelta(hours=1))
    assert to_sort_time(datetime(2024, 3, 18, 9, 30, tzinfo=paris)) == "2024-03-18T08:30:00Z"
    assert to_sort_time(datetime(2024, 3, 18, 9, 30)) == "2024-03-18T09:30:00Z"  # naive taken as UTC
    earlier = posting_sk(to_sort_time(datetime(2023, 12, 31, 23, 0, tzinfo=UTC)), "b")
    later = posting_sk(to_sort_time(datetime(2024, 1, 1, 0, 30, tzinfo=paris)), "a")  # 23:30Z
    assert earlier < later


def test_source_keys_keep_the_decoded_key() -> None:
    assert source_pk("bucket", "incoming/a b+c.txt") == "SOURCE#bucket/incoming/a b+c.txt"


def _parsed(entities: list[EntitySummary], speaker: str | None = None) -> ArticleParsed:
    quotes = [Quote(text="Yes.", start=0, end=4, speaker_id=speaker, speaker_name=speaker)] if speaker else []
    return ArticleParsed.model_validate(
        {
            "article_id": "0" * 32,
            "source": {"bucket": "b", "key": "incoming/a.txt"},
            "language": "en",
            "word_count": 10,
            "content_sha256": "0" * 64,
            "parsed_uri": "s3://b/parsed/dt=2025-01-01/a.ndjson",
            "parsed_range": "bytes=0-99",
            "received_at": "2024-01-01T00:00:00Z",
            "extractor_version": "test",
            "entities": [entity.model_dump() for entity in entities],
            "quotes": [quote.model_dump() for quote in quotes],
        }
    )


def _entity(entity_id: str, mentions: int, *, known: bool = False, in_title: bool = False) -> EntitySummary:
    kind, _, name = entity_id.partition(":")
    return EntitySummary(
        id=entity_id,
        name=name,
        type=EntityType(kind),
        mention_count=mentions,
        salience=0.5,
        known=known,
        in_title=in_title,
    )


def test_only_entities_with_good_evidence_get_postings_unless_the_policy_says_all() -> None:
    entities = [
        _entity("organization:acme", 1),  # once, unknown: no posting
        _entity("organization:globex", 2),  # named twice
        _entity("organization:nato", 1, known=True),  # in the alias table
        _entity("person:dana", 1),  # people and places count when named once
        _entity("location:oslo", 1),
        _entity("event:summit", 1),  # once, unknown: no posting
        _entity("group:board", 1),  # once, but quoted: a posting
        _entity("organization:initech", 1, in_title=True),  # once, but in the title: a posting
    ]
    event = _parsed(entities, speaker="group:board")
    article = ArticleItem.of(event)
    assert [entity.id for entity in article.entities] == [
        "organization:globex",
        "organization:nato",
        "person:dana",
        "location:oslo",
        "group:board",
        "organization:initech",
    ]
    assert article.entity_count == 8
    assert [posting.entity_id for posting in postings_for(article)] == [entity.id for entity in article.entities]
    everything = ArticleItem.of(event, IndexPolicy.ALL)
    assert [entity.id for entity in everything.entities] == [entity.id for entity in entities]


def test_the_article_item_leaves_false_entity_flags_out_and_reads_back_the_same() -> None:
    event = _parsed([_entity("person:dana", 1), _entity("organization:nato", 1, known=True)])
    article = ArticleItem.of(event)
    stored = article.to_item()
    assert stored["entities"][0] == {
        "id": "person:dana",
        "name": "dana",
        "type": "person",
        "mention_count": 1,
        "salience": 0.5,
    }
    assert stored["entities"][1]["known"] is True
    assert ArticleItem.model_validate(stored) == article


def test_a_posting_stays_within_one_write_unit_by_leaving_off_its_least_salient_co_entities() -> None:
    # Given an article with a 200-character title and 30 entities of long ids
    long_ids = [_entity(f"organization:{'x' * 60}-{n:02d}", 2) for n in range(30)]
    parsed = _parsed(long_ids).model_copy(
        update={"title": "T" * 250, "entity_model": "en_core_web_sm-3.8.0", "alias_table_version": "2026.12.0"}
    )
    article = ArticleItem.of(parsed)
    # When its postings are made
    postings = postings_for(article)
    # Then each is at most 1 KB, keeps the most salient co-entities in order, and records what made it
    for posting in postings:
        assert billed_bytes(posting.to_item()) <= 1024
        others = [entity.id for entity in article.entities if entity.id != posting.entity_id]
        assert 0 < len(posting.co_entities) < 20 and posting.co_entities == others[: len(posting.co_entities)]
        assert posting.made_by == "test/en_core_web_sm-3.8.0/2026.12.0"
    # While a posting of short ids keeps all twenty
    short = postings_for(ArticleItem.of(_parsed([_entity(f"location:p{n}", 2) for n in range(30)])))
    assert {len(posting.co_entities) for posting in short} == {20}


def test_billed_bytes_counts_as_dynamodb_bills_an_item() -> None:
    # names and UTF-8 values; a number at ~1 byte per 2 digits + 1; a list 3 + 1 per element; None absent
    assert billed_bytes({"pk": "ab", "n": 5, "l": ["x"], "t": "é", "gone": None}) == 4 + 3 + 6 + 3

"""Which earlier article a new one copies, from the band items it shares a value with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsingest.indexing.items import ArticleItem, BandItem, band_keys_of, band_pk
from newsingest.indexing.service import best_copy
from newsingest.stories.signature import SCHEME, signature_of

WINDOW = timedelta(days=30)
NOW = datetime(2024, 6, 10, tzinfo=UTC)
TEXT = " ".join(f"word{n} follows the one before it in a long sentence number {n}." for n in range(60))
SKETCH = signature_of(TEXT).sketch
CLOSE = signature_of(TEXT.replace("number 7.", "number seven.")).sketch
FAR = signature_of(" ".join(f"other{n} text entirely about something else {n}." for n in range(60))).sketch


def _band(article_id: str, sketch: str, sort_time: str = "2024-06-04T08:00:00Z", story: str | None = None) -> BandItem:
    return BandItem(
        pk="BAND#s#0:00",
        sk=f"ARTICLE#{article_id}",
        article_id=article_id,
        story_id=story or article_id,
        sort_time=sort_time,
        sketch=sketch,
        expires_at=int((NOW + timedelta(days=1)).timestamp()),
    )


def _best(candidates: list[BandItem], sort_time: str = "2024-06-05T08:00:00Z") -> str | None:
    found = best_copy("new", sort_time, SKETCH, candidates, window=WINDOW, now=NOW)
    return found.article_id if found else None


def test_the_most_similar_candidate_past_the_threshold_is_the_copy() -> None:
    assert _best([_band("far", FAR), _band("close", CLOSE)]) == "close"
    assert _best([_band("far", FAR)]) is None
    assert _best([_band("new", SKETCH)]) is None  # never itself


def test_ties_go_to_the_earliest_published_then_the_smallest_id() -> None:
    assert _best([_band("b", SKETCH, "2024-06-03T00:00:00Z"), _band("a", SKETCH, "2024-06-04T00:00:00Z")]) == "b"
    assert _best([_band("b", SKETCH), _band("a", SKETCH)]) == "a"


def test_candidates_out_of_the_window_or_expired_are_not_copies() -> None:
    old = _band("old", SKETCH, "2024-04-01T00:00:00Z")
    assert _best([old]) is None
    assert _best([old], sort_time="2024-04-20T00:00:00Z") == "old"
    expired = _band("gone", SKETCH).model_copy(update={"expires_at": int(NOW.timestamp())})
    assert _best([expired]) is None


def test_an_article_item_lists_its_band_keys_compactly() -> None:
    # Given the band keys of a copy filed under two of its three band values
    pks = [band_pk(SCHEME, "0:099ddce9"), band_pk(SCHEME, "2:0e4b9784")]
    # Then the item keeps them in a few bytes and gives them back whole
    compact = band_keys_of(pks)
    assert compact is not None and len(compact) < sum(map(len, pks)) * 2 / 3
    assert compact.split(" ")[1:] == ["0:099ddce9", "2:0e4b9784"]
    item = ArticleItem.model_construct(band_keys=compact)
    assert item.bands == pks
    assert band_keys_of([]) is None and ArticleItem.model_construct(band_keys=None).bands == []

"""A collapsed list's cursor (the postings cursor and the stories already shown) fits the API's limit."""

from __future__ import annotations

from newsingest.handlers.api import MAX_CURSOR_CHARS
from newsingest.indexing.items import POSTING_SHARDS, posting_sk
from newsingest.indexing.queries import COLLAPSE_SEEN_STORIES, STORY_PREFIX_CHARS, encode_cursor


def test_the_largest_collapsed_cursor_fits_the_api_limit() -> None:
    # Given a postings cursor at a full sort key in every shard and as many remembered stories as kept
    postings = encode_cursor(
        {"shards": {str(shard): posting_sk("2024-06-04T08:00:00Z", "f" * 32) for shard in range(POSTING_SHARDS)}}
    )
    seen = ["f" * STORY_PREFIX_CHARS] * COLLAPSE_SEEN_STORIES
    # Then the cursor the API hands out is one it accepts back
    cursor = encode_cursor({"postings": postings, "seen": seen})
    assert cursor is not None and len(cursor) <= MAX_CURSOR_CHARS

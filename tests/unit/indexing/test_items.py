"""Index keys: derived from content and source, sortable by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from newsingest.indexing.items import posting_sk, source_pk, to_sort_time


def test_sort_time_is_utc_and_sorts_in_time_order() -> None:
    paris = timezone(timedelta(hours=1))
    assert to_sort_time(datetime(2024, 3, 18, 9, 30, tzinfo=paris)) == "2024-03-18T08:30:00Z"
    assert to_sort_time(datetime(2024, 3, 18, 9, 30)) == "2024-03-18T09:30:00Z"  # naive taken as UTC
    earlier = posting_sk(to_sort_time(datetime(2023, 12, 31, 23, 0, tzinfo=UTC)), "b")
    later = posting_sk(to_sort_time(datetime(2024, 1, 1, 0, 30, tzinfo=paris)), "a")  # 23:30Z
    assert earlier < later


def test_source_keys_keep_the_decoded_key() -> None:
    assert source_pk("bucket", "incoming/a b+c.txt") == "SOURCE#bucket/incoming/a b+c.txt"

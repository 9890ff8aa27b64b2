"""Normalisation of titles, authors, dates, languages and URLs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsingest.parsing.fields import (
    clean_title,
    normalize_language,
    normalize_url,
    parse_datetime,
    split_authors,
    url_date,
    written_dates,
)


def test_titles_are_one_line_with_entities_decoded() -> None:
    assert (
        clean_title("  Ferry\n terminal &amp; port\u00a0delayed &#8211; again ")
        == "Ferry terminal & port delayed – again"
    )
    assert clean_title("   ") is None
    assert clean_title(42) is None


def test_curly_quotes_in_titles_are_kept() -> None:
    assert clean_title("Putin ‘will do anything’ to keep “power”") == "Putin ‘will do anything’ to keep “power”"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ada Byron", ["Ada Byron"]),
        ("  Ada \n Byron ", ["Ada Byron"]),
        ("By Ada Byron", ["Ada Byron"]),
        ("Ada Byron, Alan Turing and Grace Hopper", ["Ada Byron", "Alan Turing", "Grace Hopper"]),
        ("Ada Byron; Alan Turing", ["Ada Byron", "Alan Turing"]),
        ("Maria &amp; Katerina", ["Maria", "Katerina"]),
        ("Genevieve Carlton, Ph.D.", ["Genevieve Carlton"]),
        ("Dylan Bailey, MS, RD, FAND", ["Dylan Bailey"]),
        ({"@type": "Person", "name": "Ada Byron"}, ["Ada Byron"]),
        ([{"name": "Ada Byron"}, "Alan Turing", {"name": "ada byron"}], ["Ada Byron", "Alan Turing"]),
        ("https://example.org/authors/ada", []),
        ("Text by Hunter Dukes", ["Hunter Dukes"]),
        ("Article by: Cara Dumaplin", ["Cara Dumaplin"]),
        ("Author: Ada Byron", ["Ada Byron"]),
        ("Linda Rosencrance Contributing Writer", ["Linda Rosencrance"]),
        ("Harry Rabinowitz Tech Reporter", ["Harry Rabinowitz"]),
        ("Staff Writer", []),
        ("Ada Byron, Senior Correspondent", ["Ada Byron"]),
        ("Rachel Tech", ["Rachel Tech"]),
        ("•", []),
        ("This is a whole sentence and not the name of anybody at all", []),
        (None, []),
        (42, []),
    ],
)
def test_authors_are_split_cleaned_and_deduplicated(value: object, expected: list[str]) -> None:
    assert split_authors(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T10:00:00Z", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (
            "2024-03-01T10:00:00.123+05:30",
            datetime(2024, 3, 1, 10, 0, 0, 123000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("2024-03-01T10:00:00+0100", datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=1)))),
        ("2024-03-01T10:00:00", datetime(2024, 3, 1, 10)),
        ("2024-03-01", datetime(2024, 3, 1)),
        ("Fri, 01 Mar 2024 10:00:00 +0000", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (1709287200, datetime(2024, 3, 1, 10, tzinfo=UTC)),
        (1709287200000, datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-05-09 00:00:00 +0000", datetime(2024, 5, 9, tzinfo=UTC)),
        ("Nov 05, 2025", datetime(2025, 11, 5)),
        ("5 November 2025", datetime(2025, 11, 5)),
        ("March 11, 2026 or March 12, 2026", None),
        ("yesterday", None),
        ("", None),
        (True, None),
        (None, None),
    ],
)
def test_dates_are_parsed_keeping_the_offset_or_staying_naive(value: object, expected: datetime | None) -> None:
    # When
    parsed = parse_datetime(value)

    # Then the instant and the offset (None for naive values) are the source's
    assert parsed == expected
    if expected is not None:
        assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("en-GB", "en"), ("pt_BR", "pt"), ("DE", "de"), ("english", None), ("", None), (None, None)],
)
def test_declared_languages_become_iso_639_1(value: object, expected: str | None) -> None:
    assert normalize_language(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" https://example.org/a?b=1 ", "https://example.org/a?b=1"),
        ("http://example.org", "http://example.org"),
        ("/relative", None),
        ("javascript:alert(1)", None),
        ("https://exa mple.org", None),
        (None, None),
    ],
)
def test_only_absolute_http_urls_are_kept(value: object, expected: str | None) -> None:
    assert normalize_url(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published December 15, 2025", [date(2025, 12, 15)]),
        ("Dec. 5 2025 · Sept 30th, 2024", [date(2025, 12, 5), date(2024, 9, 30)]),
        ("15 of December, 2025", [date(2025, 12, 15)]),
        ("2025-12-15", [date(2025, 12, 15)]),
        ("12/03/2025", [date(2025, 12, 3)]),  # month first
        ("25/03/2025", [date(2025, 3, 25)]),  # only day-first is a date
        ("15.12.2025", [date(2025, 12, 15)]),
        ("February 30, 2025", []),
        ("May I say 12 more words", []),
    ],
)
def test_written_dates_are_found_in_order(text: str, expected: list[date]) -> None:
    assert written_dates(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/2025/12/18/ferry-delayed/", date(2025, 12, 18)),
        ("https://example.com/news/2019/9/5/ferry", date(2019, 9, 5)),
        ("https://example.com/blog/2023/october/03/ferry-delayed", date(2023, 10, 3)),
        ("https://example.com/2025/12/ferry-delayed", None),  # a month is not a publication day
        ("https://example.com/2025/02/30/ferry", None),
        ("https://example.com/ferry-2025", None),
        (None, None),
    ],
)
def test_a_date_in_the_url_path_is_read(url: str | None, expected: date | None) -> None:
    assert url_date(url) == expected
